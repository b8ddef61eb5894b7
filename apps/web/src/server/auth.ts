/**
 * Authentication and organizations: better-auth (email + password, organization plugin) on our own
 * Prisma tables. better-auth talks to the database as cms_worker because users, sessions and
 * memberships cross tenants by nature; tenant data never goes through it.
 */
import { randomUUID } from 'node:crypto'
import { AppError } from '@cms/core'
import { betterAuth } from 'better-auth'
import { prismaAdapter } from 'better-auth/adapters/prisma'
import { APIError, createAuthMiddleware } from 'better-auth/api'
import { nextCookies } from 'better-auth/next-js'
import { organization } from 'better-auth/plugins'
import { adminAc, defaultStatements, memberAc, ownerAc } from 'better-auth/plugins/organization/access'
import { createAccessControl } from 'better-auth/plugins/access'
import { LoginLockout } from './login-lockout'
import { redisRateLimitStorage } from './rate-limit-store'
import { withHashedSessionTokens } from './session-token-hash'
import { sendMail } from './mailer'
import { services } from './services'

const ac = createAccessControl(defaultStatements)
// Viewer: may read the organization, nothing else (CMS's own mutations are guarded by withTenant).
const viewerAc = ac.newRole({ organization: [], member: [], invitation: [], team: [], ac: ['read'] })

function build() {
  const s = services()
  const lockout = new LoginLockout(() => s.redis, s.redisPrefix)
  const secret = s.config.AUTH_SECRET
  if (!secret) throw new AppError('internal', 'AUTH_SECRET is not configured (≥ 32 characters)')
  const baseURL = s.config.PUBLIC_URL
  return betterAuth({
    appName: 'CMS',
    baseURL,
    secret,
    trustedOrigins: [baseURL],
    database: withHashedSessionTokens(prismaAdapter(s.worker, { provider: 'postgresql' })),
    // These address another session by its token, which only the cookie holder knows now that rows
    // store digests (session-token-hash.ts): listed "tokens" are digests no lookup accepts, so revoking
    // one would silently do nothing. Not used by the UI; /revoke-sessions (all, by user) still works.
    disabledPaths: ['/list-sessions', '/revoke-session', '/revoke-other-sessions'],
    account: { modelName: 'authAccount' },
    user: { additionalFields: { locale: { type: 'string', required: false, input: true } } },
    session: { expiresIn: 60 * 60 * 24 * 7, updateAge: 60 * 60 * 24 },
    emailAndPassword: {
      enabled: true,
      minPasswordLength: 10,
      maxPasswordLength: 256,
      autoSignIn: true,
      resetPasswordTokenExpiresIn: 60 * 30,
      revokeSessionsOnPasswordReset: true,
      sendResetPassword: async ({ user, url }) => {
        await sendMail({
          to: user.email,
          subject: 'Reset your CMS password',
          text: `Reset your password: ${url}`,
          link: url,
        })
      },
    },
    // Shared by every web process (Redis). The client address is the one the server entry resolved
    // from the TCP peer and CMS_TRUSTED_PROXIES into x-forwarded-for (client-address.ts).
    rateLimit: {
      enabled: true,
      customStorage: redisRateLimitStorage(() => s.redis, s.redisPrefix),
      window: 60,
      max: 100,
      customRules: {
        '/sign-in/email': { window: 60, max: 10 },
        '/sign-up/email': { window: 60, max: 5 },
        '/request-password-reset': { window: 300, max: 3 },
      },
    },
    advanced: {
      cookiePrefix: 'cms',
      useSecureCookies: baseURL.startsWith('https://'),
      database: { generateId: () => randomUUID() },
    },
    hooks: {
      before: createAuthMiddleware(async (ctx) => {
        if (ctx.path !== '/sign-in/email') return
        const email = typeof ctx.body?.email === 'string' ? ctx.body.email : ''
        // Counted before the password is checked (atomic in Redis), forgotten on success: concurrent
        // guesses on several processes cannot all pass a stale "not locked" read.
        const wait = await lockout.attempt(email)
        if (wait > 0) {
          throw new APIError('TOO_MANY_REQUESTS', {
            code: 'ACCOUNT_LOCKED',
            message: `Too many failed sign-in attempts. Try again in ${Math.ceil(wait / 1000)} s.`,
          })
        }
      }),
      after: createAuthMiddleware(async (ctx) => {
        if (ctx.path !== '/sign-in/email') return
        const email = typeof ctx.body?.email === 'string' ? ctx.body.email : ''
        const returned: unknown = ctx.context.returned
        const failed =
          returned instanceof APIError || (returned instanceof Response && returned.status >= 400)
        if (!failed) await lockout.recordSuccess(email)
      }),
    },
    databaseHooks: {
      session: {
        create: {
          // Open the user's first organization on sign-in so the dashboard has a tenant.
          before: async (session) => {
            const m = await s.worker.member.findFirst({
              where: { userId: session.userId },
              orderBy: { createdAt: 'asc' },
              select: { organizationId: true },
            })
            return { data: { ...session, activeOrganizationId: m?.organizationId ?? null } }
          },
        },
      },
    },
    plugins: [
      organization({
        ac,
        roles: { owner: ownerAc, admin: adminAc, member: memberAc, viewer: viewerAc },
        creatorRole: 'owner',
        invitationExpiresIn: 60 * 60 * 24 * 7,
        cancelPendingInvitationsOnReInvite: true,
        sendInvitationEmail: async ({ email, organization: org, id }) => {
          const link = `${baseURL}/invite/${id}`
          await sendMail({
            to: email,
            subject: `Join ${org.name} on CMS`,
            text: `You are invited: ${link}`,
            link,
          })
        },
      }),
      nextCookies(),
    ],
  })
}

export type Auth = ReturnType<typeof build>

const g = globalThis as unknown as { __cmsAuth?: Auth }
export function auth(): Auth {
  g.__cmsAuth ??= build()
  return g.__cmsAuth
}
