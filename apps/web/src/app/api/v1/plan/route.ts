import { routes } from '@/server/api/routes'

export const GET = routes.getPlan.handler
