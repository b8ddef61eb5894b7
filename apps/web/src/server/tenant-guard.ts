/**
 * The tenant guard. Every route handler (withTenant), server-rendered page (pageTenant) and mutation
 * resolves the caller the same way — a session cookie (its active organization + membership role) or
 * an organization API key (read → viewer, write → admin) — and gets a TenantContext whose database
 * handle is scoped to that tenant. Anything not found in the tenant is a 404, whoever owns it.
 */
import { AppError } from '@cms/core'
import { forTenant, type TenantDb } from '@cms/db'
import { hashApiKey, looksLikeApiKey } from './api-keys'
import { auth } from './auth'
import { errorResponse } from './http'
import { roleAtLeast, strongestRole, type Role } from './roles'
import { services } from './services'

export type Actor =
  | { type: 'user'; id: string; email: string; name: string }
  | { type: 'api_key'; id: string; scope: 'read' | 'write' }

export interface TenantContext {
  tenantId: string
  role: Role
  actor: Actor
  db: TenantDb
}

export interface GuardOptions {
  /** Minimum role. Viewers (and read keys) pass only 'viewer' routes. */
  role: Role
  /** 'session' refuses API keys (e.g. key management itself). */
  via?: 'any' | 'session'
}

async function fromApiKey(token: string): Promise<Omit<TenantContext, 'db'>> {
  const s = services()
  if (!looksLikeApiKey(token)) throw new AppError('unauthenticated', 'Invalid API key')
  // Lookup by hash crosses tenants (the key is what tells us the tenant), so it runs as cms_worker.
  const key = await s.worker.apiKey.findUnique({
    where: { hash: hashApiKey(token) },
    select: { id: true, tenantId: true, scope: true, revokedAt: true, lastUsedAt: true },
  })
  if (!key || key.revokedAt) throw new AppError('unauthenticated', 'Invalid API key')
  if (!key.lastUsedAt || Date.now() - key.lastUsedAt.getTime() > 60_000) {
    void s.worker.apiKey
      .update({ where: { id: key.id }, data: { lastUsedAt: new Date() } })
      .catch(() => undefined)
  }
  const scope = key.scope === 'write' ? 'write' : 'read'
  return {
    tenantId: key.tenantId,
    role: scope === 'write' ? 'admin' : 'viewer',
    actor: { type: 'api_key', id: key.id, scope },
  }
}

export interface SessionInfo {
  user: { id: string; email: string; name: string }
  activeOrganizationId: string | null
}

export async function getSessionInfo(headers: Headers): Promise<SessionInfo | null> {
  const r = await auth().api.getSession({ headers })
  if (!r) return null
  const active = (r.session as { activeOrganizationId?: string | null }).activeOrganizationId ?? null
  return { user: { id: r.user.id, email: r.user.email, name: r.user.name }, activeOrganizationId: active }
}

async function fromSession(headers: Headers): Promise<Omit<TenantContext, 'db'>> {
  const info = await getSessionInfo(headers)
  if (!info) throw new AppError('unauthenticated', 'Sign in or send an API key (Authorization: Bearer cms_…)')
  if (!info.activeOrganizationId)
    throw new AppError('forbidden', 'No organization selected', { reason: 'no_organization' })
  const m = await services().worker.member.findUnique({
    where: { organizationId_userId: { organizationId: info.activeOrganizationId, userId: info.user.id } },
    select: { role: true },
  })
  const role = m ? strongestRole(m.role) : null
  if (!role)
    throw new AppError('forbidden', 'You are not a member of this organization', { reason: 'not_member' })
  return { tenantId: info.activeOrganizationId, role, actor: { type: 'user', ...info.user } }
}

/** Resolve and authorize the caller of a request. */
export async function authorize(headers: Headers, opts: GuardOptions): Promise<TenantContext> {
  const authz = headers.get('authorization')
  const bearer = authz?.match(/^Bearer\s+(\S+)$/i)?.[1]
  let base: Omit<TenantContext, 'db'>
  if (bearer) {
    if (opts.via === 'session')
      throw new AppError('forbidden', 'This operation needs a signed-in user, not an API key')
    base = await fromApiKey(bearer)
  } else {
    base = await fromSession(headers)
  }
  if (!roleAtLeast(base.role, opts.role)) {
    const what =
      base.actor.type === 'api_key' ? 'This API key is read-only' : `This needs the ${opts.role} role`
    throw new AppError('forbidden', what, { required: opts.role, have: base.role })
  }
  return { ...base, db: forTenant(services().app, base.tenantId) }
}

export type RouteParams = Record<string, string | string[] | undefined>
export type RouteHandler = (req: Request, ctx: { params: Promise<RouteParams> }) => Promise<Response>

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * CSRF guard for cookie-authenticated writes. The session cookie is SameSite=Lax, which stops other
 * sites but not other origins of the same site (a sibling subdomain), and readJson accepts a
 * `text/plain` form post. A browser always says where a write comes from (Origin on every POST/PATCH/
 * DELETE, Sec-Fetch-Site on modern ones); it must be our own origin. A request with neither header is not
 * from a browser, so no ambient cookie is being abused. API keys are not ambient: not checked.
 */
export function assertSameOriginWrite(req: Request): void {
  if (SAFE_METHODS.has(req.method.toUpperCase())) return
  const origin = req.headers.get('origin')
  const site = req.headers.get('sec-fetch-site')
  const ours = new URL(services().config.PUBLIC_URL).origin
  if ((origin !== null && origin !== ours) || (site !== null && site !== 'same-origin' && site !== 'none'))
    throw new AppError('forbidden', 'Cross-origin request refused', { reason: 'cross_origin' })
}

/** dub's withWorkspace: authenticate, authorize, scope, and translate errors — for every route handler. */
export function withTenant(
  handler: (req: Request, tenant: TenantContext, params: RouteParams) => Promise<Response>,
  opts: GuardOptions,
): RouteHandler {
  return async (req, ctx) => {
    try {
      if (!/^Bearer\s+\S+$/i.test(req.headers.get('authorization') ?? '')) assertSameOriginWrite(req)
      const tenant = await authorize(req.headers, opts)
      const params = (await ctx?.params) ?? {}
      return await handler(req, tenant, params)
    } catch (e) {
      return errorResponse(e, services().log)
    }
  }
}

/** Audit trail of tenant mutations (who did what to which target). */
export async function audit(
  t: TenantContext,
  action: string,
  target: { type: string; id: string },
  data: Record<string, unknown> = {},
) {
  await t.db.auditLog.create({
    data: {
      tenantId: t.tenantId,
      actorType: t.actor.type,
      actorId: t.actor.id,
      action,
      targetType: target.type,
      targetId: target.id,
      data: data as object,
    },
  })
}
