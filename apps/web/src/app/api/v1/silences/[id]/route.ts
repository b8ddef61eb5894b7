import { routes } from '@/server/api/routes'

export const DELETE = routes.expireSilence.handler
