import { listApiKeys, postApiKey } from '@/server/settings'

export const GET = listApiKeys
export const POST = postApiKey
