import { routes } from '@/server/api/routes'

export const GET = routes.getAlertRule.handler
export const PATCH = routes.patchAlertRule.handler
export const DELETE = routes.deleteAlertRule.handler
