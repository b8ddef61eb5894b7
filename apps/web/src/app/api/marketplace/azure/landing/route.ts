import { azureLanding } from '@/server/marketplace'

export const GET = azureLanding
