/**
 * Shared set-up for the security suite: the web app's environment on a fresh test database (the same
 * steps as apps/web/test/harness.ts), a raw in-process caller that never assumes the response is JSON
 * (a fuzzer must see a 500 with an HTML body as a finding, not as a crash of the test), and principals
 * of every kind — owner/admin/member/viewer sessions and read/write API keys — for one organization.
 */
import { randomUUID } from 'node:crypto'
import { LocalKeyring } from '@cms/core'
import { createTestDatabase, type TestDatabase } from '@cms/db/testing'
import { uniquePrefix } from '@cms/scheduler/testing/harness'

export const PUBLIC_URL = 'http://localhost:3999'
export const AUTH_SECRET = 'test-secret-test-secret-test-secret-0123456789'

export type Handler = (
  req: Request,
  ctx: { params: Promise<Record<string, string | string[] | undefined>> },
) => Promise<Response>

export interface SecurityEnv {
  db: TestDatabase
  masterKeys: string
  teardown: () => Promise<void>
}

/** Point the web app at a fresh database. Call before the first import of apps/web server modules. */
export async function setupSecurityTest(env: Record<string, string> = {}): Promise<SecurityEnv> {
  const db = await createTestDatabase()
  const masterKeys = LocalKeyring.generateKeySpec('sec1')
  Object.assign(process.env, {
    DATABASE_URL: db.url,
    CMS_MASTER_KEYS: masterKeys,
    AUTH_SECRET,
    PUBLIC_URL,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    // The web app's Redis keys (login lockout, rate limits) under this file's own prefix, dropped after it.
    CMS_QUEUE_PREFIX: uniquePrefix(),
    ...env,
  })
  const { closeServices } = await import('../../apps/web/src/server/services')
  return {
    db,
    masterKeys,
    teardown: async () => {
      await closeServices()
      await db.drop()
    },
  }
}

export interface Auth {
  cookie?: string
  apiKey?: string
}

export interface RawResponse {
  status: number
  headers: Headers
  text: string
  /** Parsed body, or undefined when the body is not JSON. */
  json: unknown
}

export interface CallOptions {
  method?: string
  /** Path under the origin, e.g. /api/v1/accounts/…; only informational for handlers called directly. */
  path?: string
  params?: Record<string, string>
  query?: Record<string, string> | string
  headers?: Record<string, string>
  body?: unknown
  /** Sent as is (wins over `body`); `contentType` defaults to application/json. */
  rawBody?: string | Uint8Array
  contentType?: string | null
  auth?: Auth
}

export function buildRequest(o: CallOptions): Request {
  const url = new URL(`${PUBLIC_URL}${o.path ?? '/api/v1/x'}`)
  if (typeof o.query === 'string') url.search = o.query
  else for (const [k, v] of Object.entries(o.query ?? {})) url.searchParams.set(k, v)
  const headers = new Headers({ origin: PUBLIC_URL, ...o.headers })
  if (o.auth?.apiKey) headers.set('authorization', `Bearer ${o.auth.apiKey}`)
  if (o.auth?.cookie) headers.set('cookie', o.auth.cookie)
  let body: string | Uint8Array | undefined
  if (o.rawBody !== undefined) body = o.rawBody
  else if (o.body !== undefined) body = JSON.stringify(o.body)
  if (body !== undefined && o.contentType !== null)
    headers.set('content-type', o.contentType ?? 'application/json')
  return new Request(url, { method: o.method ?? 'GET', headers, body: body as BodyInit | undefined })
}

export async function callRaw(handler: Handler, o: CallOptions): Promise<RawResponse> {
  const res = await handler(buildRequest(o), { params: Promise.resolve(o.params ?? {}) })
  const text = await res.text()
  let json: unknown
  try {
    json = text ? (JSON.parse(text) as unknown) : undefined
  } catch {
    json = undefined
  }
  return { status: res.status, headers: res.headers, text, json }
}

/** The one error shape of the API (AppError.toJSON()). */
export function isErrorShape(
  v: unknown,
): v is { error: { code: string; message: string; details: Record<string, unknown> } } {
  if (!v || typeof v !== 'object') return false
  const e = (v as { error?: unknown }).error
  if (!e || typeof e !== 'object') return false
  const { code, message, details } = e as Record<string, unknown>
  return (
    typeof code === 'string' &&
    code.length > 0 &&
    typeof message === 'string' &&
    !!details &&
    typeof details === 'object' &&
    !Array.isArray(details)
  )
}

/** better-auth's sign-in endpoint, called in-process as Next would; returns the raw response. */
export async function signInRaw(email: string, password: unknown, ip = '203.0.113.10'): Promise<Response> {
  const { auth } = await import('../../apps/web/src/server/auth')
  return auth().handler(
    new Request(`${PUBLIC_URL}/api/auth/sign-in/email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: PUBLIC_URL, 'x-forwarded-for': ip },
      body: JSON.stringify({ email, password }),
    }),
  )
}

export const cookieOf = (res: Response) =>
  res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ')

/** Sign in (distinct client IPs so the per-IP limit of the suite's own logins never interferes). */
export async function signIn(email: string, password: string): Promise<string> {
  const res = await signInRaw(email, password, `198.51.100.${1 + Math.floor(Math.random() * 250)}`)
  if (res.status !== 200) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`)
  return cookieOf(res)
}

export const ROLE_NAMES = ['owner', 'admin', 'member', 'viewer'] as const
export type RoleName = (typeof ROLE_NAMES)[number]

export interface Principal {
  label: string
  /** The role the guard should resolve it to. */
  role: RoleName
  kind: 'session' | 'apiKey'
  auth: Auth
}

/**
 * An organization with one user per role (signed in) and a read and a write API key.
 * Returns the six principals and the tenant id.
 */
export async function organizationWithEveryPrincipal(
  worker: TestDatabase['worker'],
  name: string,
  estate: { resourcesPerAccount: number; accounts?: number } | false = false,
): Promise<{
  tenantId: string
  principals: Principal[]
  passwords: Record<RoleName, { email: string; password: string }>
}> {
  const seed = await import('../../apps/web/src/server/demo-seed')
  const tag = randomUUID().slice(0, 8)
  const passwords = {} as Record<RoleName, { email: string; password: string }>
  for (const r of ROLE_NAMES)
    passwords[r] = { email: `${r}-${name}-${tag}@sec.test`, password: `pw-${r}-${tag}-long` }
  const org = await seed.seedDemoOrganization(worker, {
    email: passwords.owner.email,
    password: passwords.owner.password,
    organizationName: `Org ${name}`,
    estate: estate ? { ...estate, days: 1, rawHours: 1 } : false,
  })
  for (const r of ['admin', 'member', 'viewer'] as const) {
    const u = await seed.createUserWithPassword(worker, {
      email: passwords[r].email,
      password: passwords[r].password,
      name: r,
    })
    await seed.addMember(worker, org.organizationId, u.id, r)
  }
  const principals: Principal[] = []
  for (const r of ROLE_NAMES)
    principals.push({
      label: `${name}:${r} session`,
      role: r,
      kind: 'session',
      auth: { cookie: await signIn(passwords[r].email, passwords[r].password) },
    })
  principals.push({ label: `${name}:write key`, role: 'admin', kind: 'apiKey', auth: { apiKey: org.apiKey } })
  principals.push({
    label: `${name}:read key`,
    role: 'viewer',
    kind: 'apiKey',
    auth: { apiKey: await seed.createApiKeyFor(worker, org.organizationId, 'read') },
  })
  return { tenantId: org.organizationId, principals, passwords }
}

/** Deterministic PRNG (mulberry32): the fuzzer's cases are the same on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
