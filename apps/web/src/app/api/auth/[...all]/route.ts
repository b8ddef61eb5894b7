import { auth } from '@/server/auth'

// better-auth's own endpoints (sign-up/in/out, password reset, organizations, invitations).
export const GET = (req: Request) => auth().handler(req)
export const POST = (req: Request) => auth().handler(req)
