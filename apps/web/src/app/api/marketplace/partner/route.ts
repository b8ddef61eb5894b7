import { partnerProvisioning } from '@/server/marketplace'

export const POST = partnerProvisioning
