import { routes } from '@/server/api/routes'

export const GET = routes.listSilences.handler
export const POST = routes.createSilence.handler
