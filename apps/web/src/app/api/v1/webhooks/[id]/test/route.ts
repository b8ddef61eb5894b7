import { routes } from '@/server/api/routes'

export const POST = routes.testWebhook.handler
