import { routes } from '@/server/api/routes'

export const GET = routes.getAccount.handler
export const PATCH = routes.patchAccount.handler
export const DELETE = routes.deleteAccount.handler
