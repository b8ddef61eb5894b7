import { redeemClaim } from '@/server/marketplace'

export const POST = redeemClaim
