/**
 * Test harness: a fresh database cloned from the migrated template, the web app's environment pointed
 * at it, and helpers to call route handlers with a Request exactly as Next does.
 */
import { LocalKeyring } from '@cms/core'
import { createTestDatabase, type TestDatabase } from '@cms/db/testing'
import { dropQueuePrefix, uniquePrefix } from '@cms/scheduler/testing/harness'

export const PUBLIC_URL = 'http://localhost:3999'

export async function setupWebTest(): Promise<{ db: TestDatabase; teardown: () => Promise<void> }> {
  const db = await createTestDatabase()
  process.env.DATABASE_URL = db.url
  process.env.CMS_MASTER_KEYS = LocalKeyring.generateKeySpec('t1')
  process.env.AUTH_SECRET = 'test-secret-test-secret-test-secret-0123456789'
  process.env.PUBLIC_URL = PUBLIC_URL
  process.env.LOG_LEVEL = process.env.TEST_LOG_LEVEL ?? 'silent'
  // The web app's Redis keys (login lockout, rate limits) under this file's own prefix.
  const prefix = uniquePrefix()
  process.env.CMS_QUEUE_PREFIX ??= prefix
  const { closeServices } = await import('../src/server/services')
  return {
    db,
    teardown: async () => {
      await closeServices()
      await dropQueuePrefix(prefix)
      await db.drop()
    },
  }
}

export type Handler = (
  req: Request,
  ctx: { params: Promise<Record<string, string | string[] | undefined>> },
) => Promise<Response>

export async function call(
  handler: Handler,
  opts: {
    method?: string
    path?: string
    params?: Record<string, string>
    query?: Record<string, string>
    body?: unknown
    rawBody?: string
    auth?: { apiKey?: string; cookie?: string }
  },
): Promise<{
  status: number
  body: Record<string, unknown> & {
    error?: { code: string; message: string; details: { fields?: Record<string, string> } }
  }
}> {
  const url = new URL(`${PUBLIC_URL}/api/v1${opts.path ?? '/x'}`)
  for (const [k, v] of Object.entries(opts.query ?? {})) url.searchParams.set(k, v)
  const headers: Record<string, string> = { origin: PUBLIC_URL }
  if (opts.auth?.apiKey) headers.authorization = `Bearer ${opts.auth.apiKey}`
  if (opts.auth?.cookie) headers.cookie = opts.auth.cookie
  let body: string | undefined
  if (opts.rawBody !== undefined) body = opts.rawBody
  else if (opts.body !== undefined) body = JSON.stringify(opts.body)
  if (body !== undefined) headers['content-type'] = 'application/json'
  const res = await handler(new Request(url, { method: opts.method ?? 'GET', headers, body }), {
    params: Promise.resolve(opts.params ?? {}),
  })
  const text = await res.text()
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} }
}

/** Sign in through better-auth's real endpoint; returns the Cookie header value. */
export async function signIn(email: string, password: string): Promise<string> {
  const { auth } = await import('../src/server/auth')
  const res = await auth().handler(
    new Request(`${PUBLIC_URL}/api/auth/sign-in/email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: PUBLIC_URL },
      body: JSON.stringify({ email, password }),
    }),
  )
  if (res.status !== 200) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`)
  return res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ')
}
