/**
 * Issue 18 (3): session tokens are stored as SHA-256 digests (apps/web/src/server/session-token-hash.ts).
 * An attacker holding a dump of the `session` table — and even AUTH_SECRET, which only signs the cookie
 * around the token — cannot build a cookie that signs in; the real cookie still works, and sign-out,
 * expiry and organization switching (better-auth updates the session by its token) still work.
 */
import { createHmac } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestDatabase } from '@cms/db/testing'
import { AUTH_SECRET, PUBLIC_URL, cookieOf, setupSecurityTest, signInRaw } from './harness'

let db: TestDatabase
let teardown: () => Promise<void>
const USER = { email: 'sessions@session-tokens.test', password: 'session-tokens-password-1' }
const COOKIE = 'cms.session_token'

beforeAll(async () => {
  ;({ db, teardown } = await setupSecurityTest())
  const seed = await import('../../apps/web/src/server/demo-seed')
  await seed.seedDemoOrganization(db.worker, { ...USER, organizationName: 'Sessions Org', estate: false })
}, 120_000)
afterAll(async () => teardown?.())

/** The cookie better-auth would set for `token`: `token.base64(HMAC-SHA256(secret, token))`, URI-encoded. */
const forgeCookie = (token: string) =>
  `${COOKIE}=${encodeURIComponent(`${token}.${createHmac('sha256', AUTH_SECRET).update(token).digest('base64')}`)}`

const tokenOf = (cookie: string) =>
  decodeURIComponent(/cms\.session_token=([^;]+)/.exec(cookie)![1]!).split('.')[0]!

async function session(cookie: string): Promise<{ user?: { email: string } } | null> {
  const { auth } = await import('../../apps/web/src/server/auth')
  const r = await auth().handler(
    new Request(`${PUBLIC_URL}/api/auth/get-session`, { headers: { cookie, origin: PUBLIC_URL } }),
  )
  expect(r.status).toBe(200)
  return (await r.json()) as { user?: { email: string } } | null
}

async function signedIn(): Promise<string> {
  const r = await signInRaw(USER.email, USER.password, `198.51.100.${1 + Math.floor(Math.random() * 250)}`)
  expect(r.status).toBe(200)
  return cookieOf(r)
}

describe('a dump of the session table does not sign in', () => {
  it('the stored token is not the cookie token; a cookie built from the dump (even with AUTH_SECRET) is refused', async () => {
    const cookie = await signedIn()
    const token = tokenOf(cookie)
    // Control: the forging recipe is exactly better-auth's (the real token, re-signed, signs in).
    expect(forgeCookie(token)).toBe(cookie.split('; ').find((c) => c.startsWith(`${COOKIE}=`)))
    expect((await session(forgeCookie(token)))?.user?.email).toBe(USER.email)

    const rows = await db.worker.session.findMany({ select: { token: true } })
    expect(rows.length).toBeGreaterThan(0)
    const dump = JSON.stringify(await db.worker.session.findMany())
    expect(dump).not.toContain(token)
    for (const r of rows) expect(await session(forgeCookie(r.token))).toBeNull()
  })
})

describe('sessions still work', () => {
  it('sign-out ends the session (its row is deleted)', async () => {
    const { auth } = await import('../../apps/web/src/server/auth')
    const cookie = await signedIn()
    expect((await session(cookie))?.user?.email).toBe(USER.email)
    const before = await db.worker.session.count()
    const out = await auth().handler(
      new Request(`${PUBLIC_URL}/api/auth/sign-out`, {
        method: 'POST',
        headers: { cookie, origin: PUBLIC_URL, 'content-type': 'application/json' },
        body: '{}',
      }),
    )
    expect(out.status).toBe(200)
    expect(await db.worker.session.count()).toBe(before - 1)
    expect(await session(cookie)).toBeNull()
  })

  it("revoke-sessions ends every session of the user; endpoints that take another session's token are off", async () => {
    const { auth } = await import('../../apps/web/src/server/auth')
    const [one, two] = [await signedIn(), await signedIn()]
    const post = (path: string, cookie: string, body: unknown = {}) =>
      auth().handler(
        new Request(`${PUBLIC_URL}/api/auth${path}`, {
          method: path === '/list-sessions' ? 'GET' : 'POST',
          headers: { cookie, origin: PUBLIC_URL, 'content-type': 'application/json' },
          ...(path === '/list-sessions' ? {} : { body: JSON.stringify(body) }),
        }),
      )
    for (const p of ['/list-sessions', '/revoke-session', '/revoke-other-sessions'])
      expect((await post(p, one, { token: tokenOf(two) })).status, p).toBe(404)
    expect((await post('/revoke-sessions', one)).status).toBe(200)
    expect(await session(one)).toBeNull()
    expect(await session(two)).toBeNull()
  })

  it('an expired session is refused', async () => {
    const cookie = await signedIn()
    expect(await session(cookie)).not.toBeNull()
    const { hashSessionToken } = await import('../../apps/web/src/server/session-token-hash')
    const n = await db.worker.session.updateMany({
      where: { token: hashSessionToken(tokenOf(cookie)) },
      data: { expiresAt: new Date(Date.now() - 1000) },
    })
    expect(n.count).toBe(1)
    expect(await session(cookie)).toBeNull()
  })

  it('switching the active organization updates the session found by its token', async () => {
    const { auth } = await import('../../apps/web/src/server/auth')
    const cookie = await signedIn()
    const orgs = await db.worker.member.findMany({ where: { user: { email: USER.email } } })
    const r = await auth().handler(
      new Request(`${PUBLIC_URL}/api/auth/organization/set-active`, {
        method: 'POST',
        headers: { cookie, origin: PUBLIC_URL, 'content-type': 'application/json' },
        body: JSON.stringify({ organizationId: null }),
      }),
    )
    expect(r.status).toBe(200)
    const row = await db.worker.session.findFirst({
      where: {
        token: (await import('../../apps/web/src/server/session-token-hash')).hashSessionToken(
          tokenOf(cookie),
        ),
      },
    })
    expect(orgs.length).toBeGreaterThan(0)
    expect(row?.activeOrganizationId).toBeNull()
    expect((await session(cookie))?.user?.email).toBe(USER.email)
  })
})
