/**
 * Issue 18 (1, 2): login limits hold across web processes, and the client address is not the client's
 * to choose.
 *
 *  - Two web processes side by side (own module state, one Redis and one PostgreSQL, as behind a load
 *    balancer; test/e2e/web-child.ts) lock an e-mail out after the same number of failed sign-ins as one
 *    process does, and the per-IP sign-in limit counts requests on both together.
 *  - A third process with the default configuration (no trusted proxy): a client forging a new
 *    `x-forwarded-for` on every request is still one client, limited after 10 sign-ins; the same header
 *    from a configured trusted proxy is believed (the two processes above trust 127.0.0.1, the test).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LocalKeyring } from '@cms/core'
import { createTestDatabase, type TestDatabase } from '@cms/db/testing'
import { REDIS_URL, uniquePrefix } from '@cms/scheduler/testing/harness'
import { spawnWeb, type WebProcess } from '../e2e/web-child'

const PUBLIC_URL = 'http://localhost:3997'
const PASSWORD = 'login-scale-out-password'
let db: TestDatabase
let webA: WebProcess
let webB: WebProcess
let webUntrusting: WebProcess
let ip = 0
const freshIp = () => `203.0.113.${++ip}`

beforeAll(async () => {
  db = await createTestDatabase()
  const seed = await import('../../apps/web/src/server/demo-seed')
  for (const who of ['one', 'two'])
    await seed.createUserWithPassword(db.worker, {
      email: `${who}@scale.test`,
      password: PASSWORD,
      name: who,
    })
  const env = {
    DATABASE_URL: db.url,
    REDIS_URL,
    CMS_QUEUE_PREFIX: uniquePrefix(),
    CMS_MASTER_KEYS: LocalKeyring.generateKeySpec('ls1'),
    AUTH_SECRET: 'login-scale-out-secret-0123456789-0123456789',
    PUBLIC_URL,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error',
  }
  ;[webA, webB, webUntrusting] = await Promise.all([
    spawnWeb({ ...env, CMS_TRUSTED_PROXIES: '127.0.0.1' }),
    spawnWeb({ ...env, CMS_TRUSTED_PROXIES: '127.0.0.1' }),
    spawnWeb({ ...env, CMS_QUEUE_PREFIX: uniquePrefix() }),
  ])
}, 120_000)

afterAll(async () => {
  for (const w of [webA, webB, webUntrusting]) w?.child.kill('SIGTERM')
  await db?.drop()
})

async function signIn(web: WebProcess, email: string, password: string, forwardedFor: string) {
  const r = await fetch(`${web.url}/api/auth/sign-in/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: PUBLIC_URL, 'x-forwarded-for': forwardedFor },
    body: JSON.stringify({ email, password }),
  })
  const body = (await r.json()) as { code?: string }
  return { status: r.status, code: body.code }
}

/** Wrong passwords, a new client address each time, round-robin over `webs`, until refused: the number of failures allowed. */
async function failuresUntilLocked(webs: WebProcess[], email: string): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const r = await signIn(webs[i % webs.length]!, email, `wrong-password-${i}`, freshIp())
    if (r.status === 429) {
      expect(r.code).toBe('ACCOUNT_LOCKED')
      return i
    }
    expect(r.status).toBe(401)
  }
  return Infinity
}

describe('login lockout across web processes', () => {
  it('two processes lock an e-mail after the same number of failures as one; the right password is refused on both', async () => {
    const single = await failuresUntilLocked([webA], 'one@scale.test')
    const pair = await failuresUntilLocked([webA, webB], 'two@scale.test')
    expect(single).toBe(5)
    expect(pair).toBe(single)
    for (const w of [webA, webB])
      expect(await signIn(w, 'two@scale.test', PASSWORD, freshIp())).toMatchObject({
        status: 429,
        code: 'ACCOUNT_LOCKED',
      })
  })

  it('the per-IP sign-in limit (10 a minute) counts both processes together', async () => {
    const client = '198.51.100.9'
    for (let i = 0; i < 10; i++)
      expect(
        (await signIn(i % 2 ? webB : webA, `spray${i}@scale.test`, 'wrong-password-x', client)).status,
      ).toBe(401)
    expect((await signIn(webA, 'nobody@scale.test', 'wrong-password-x', client)).status).toBe(429)
    expect((await signIn(webB, 'nobody@scale.test', 'wrong-password-x', client)).status).toBe(429)
    // Another client behind the same trusted proxy is not affected.
    expect((await signIn(webB, 'nobody@scale.test', 'wrong-password-x', freshIp())).status).toBe(401)
  })
})

describe('hashed sessions across processes', () => {
  it('a session signed in on one process works on the other, and signing out on that one ends it on both', async () => {
    const seed = await import('../../apps/web/src/server/demo-seed')
    await seed.createUserWithPassword(db.worker, {
      email: 'three@scale.test',
      password: PASSWORD,
      name: 'three',
    })
    const r = await fetch(`${webA.url}/api/auth/sign-in/email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: PUBLIC_URL, 'x-forwarded-for': freshIp() },
      body: JSON.stringify({ email: 'three@scale.test', password: PASSWORD }),
    })
    expect(r.status).toBe(200)
    const cookie = r.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ')
    const who = async (w: WebProcess) => {
      const g = await fetch(`${w.url}/api/auth/get-session`, { headers: { cookie, origin: PUBLIC_URL } })
      return ((await g.json()) as { user?: { email: string } } | null)?.user?.email ?? null
    }
    expect(await who(webB)).toBe('three@scale.test')
    const out = await fetch(`${webB.url}/api/auth/sign-out`, {
      method: 'POST',
      headers: { cookie, origin: PUBLIC_URL, 'content-type': 'application/json' },
      body: '{}',
    })
    expect(out.status).toBe(200)
    expect(await who(webA)).toBeNull()
    expect(await who(webB)).toBeNull()
  })
})

describe('client address from the trusted-proxy list (none by default)', () => {
  it('a forged x-forwarded-for from an untrusted peer changes nothing: still one client, limited after 10', async () => {
    const statuses: number[] = []
    for (let i = 0; i < 12; i++)
      statuses.push(
        (await signIn(webUntrusting, `forger${i}@scale.test`, 'wrong-password-x', freshIp())).status,
      )
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true)
    expect(statuses.slice(10)).toEqual([429, 429])
  })
})
