import { revokeApiKey } from '@/server/settings'

export const DELETE = revokeApiKey
