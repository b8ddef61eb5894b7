import { awsSns } from '@/server/marketplace'

export const POST = awsSns
