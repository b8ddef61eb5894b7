import { routes } from '@/server/api/routes'

export const GET = routes.listAccounts.handler
export const POST = routes.createAccount.handler
