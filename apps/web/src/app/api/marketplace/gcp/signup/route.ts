import { gcpSignup } from '@/server/marketplace'

export const POST = gcpSignup
