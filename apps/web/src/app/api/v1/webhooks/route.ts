import { routes } from '@/server/api/routes'

export const GET = routes.listWebhooks.handler
export const POST = routes.createWebhook.handler
