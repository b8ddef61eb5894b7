import { routes } from '@/server/api/routes'

export const GET = routes.getWebhook.handler
export const PATCH = routes.patchWebhook.handler
export const DELETE = routes.deleteWebhook.handler
