import { awsFulfillment } from '@/server/marketplace'

export const POST = awsFulfillment
