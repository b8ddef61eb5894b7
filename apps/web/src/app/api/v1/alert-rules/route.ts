import { routes } from '@/server/api/routes'

export const GET = routes.listAlertRules.handler
export const POST = routes.createAlertRule.handler
