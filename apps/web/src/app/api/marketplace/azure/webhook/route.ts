import { azureWebhook } from '@/server/marketplace'

export const POST = azureWebhook
