import { gcpEvents } from '@/server/marketplace'

export const POST = gcpEvents
