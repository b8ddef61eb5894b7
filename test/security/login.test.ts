/**
 * Issue 10 (3): login brute force through better-auth's real sign-in endpoint (in-process).
 *  - per account: 5 failures lock the e-mail (from any IP); the right password is refused while locked;
 *  - per IP: 10 sign-ins a minute, whatever the e-mails;
 *  - no user enumeration: an unknown e-mail and a wrong password get the same status and body, before
 *    and after the lockout; password-reset requests answer the same for both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestDatabase } from '@cms/db/testing'
import { PUBLIC_URL, setupSecurityTest, signInRaw } from './harness'

let db: TestDatabase
let teardown: () => Promise<void>
const USER = { email: 'victim@login.test', password: 'correct-horse-battery' }
let ipCounter = 0
/** A fresh client address per call, so only the per-account lockout is in play. */
const freshIp = () => `203.0.113.${++ipCounter}`

beforeAll(async () => {
  ;({ db, teardown } = await setupSecurityTest())
  const seed = await import('../../apps/web/src/server/demo-seed')
  await seed.createUserWithPassword(db.worker, { ...USER, name: 'Victim' })
  await seed.createUserWithPassword(db.worker, {
    email: 'other@login.test',
    password: USER.password,
    name: 'Other',
  })
}, 120_000)
afterAll(async () => teardown?.())

const bodyOf = async (r: Response) => ({
  status: r.status,
  body: (await r.json()) as { code?: string; message?: string },
})

describe('no user enumeration', () => {
  it('unknown e-mail and wrong password answer identically', async () => {
    const wrong = await bodyOf(await signInRaw('other@login.test', 'wrong-password-1', freshIp()))
    const unknown = await bodyOf(await signInRaw('nobody@login.test', 'wrong-password-1', freshIp()))
    expect(wrong.status).toBe(401)
    expect(unknown).toEqual(wrong)
  })

  it('password-reset requests answer the same for known and unknown e-mails', async () => {
    const { auth } = await import('../../apps/web/src/server/auth')
    const reset = async (email: string) => {
      const r = await auth().handler(
        new Request(`${PUBLIC_URL}/api/auth/request-password-reset`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: PUBLIC_URL, 'x-forwarded-for': freshIp() },
          body: JSON.stringify({ email, redirectTo: '/reset-password' }),
        }),
      )
      return { status: r.status, body: await r.text() }
    }
    expect(await reset('nobody@login.test')).toEqual(await reset('other@login.test'))
  })
})

describe('per-account lockout', () => {
  it('5 failures from 5 different IPs lock the account; the right password is then refused', async () => {
    for (let i = 0; i < 5; i++)
      expect((await signInRaw(USER.email, `wrong-${i}-password`, freshIp())).status).toBe(401)
    const locked = await bodyOf(await signInRaw(USER.email, USER.password, freshIp()))
    expect(locked.status).toBe(429)
    expect(locked.body.code).toBe('ACCOUNT_LOCKED')
    // Case does not get around it.
    expect((await signInRaw(USER.email.toUpperCase(), USER.password, freshIp())).status).toBe(429)
    // Nothing in the response is a session.
    const r = await signInRaw(USER.email, USER.password, freshIp())
    expect(
      r.headers.getSetCookie().filter((c) => c.includes('session_token=') && !c.includes('session_token=;')),
    ).toEqual([])
  })

  it('an unknown e-mail locks the same way, with the same message shape (no enumeration through the lockout)', async () => {
    const ghost = 'ghost@login.test'
    for (let i = 0; i < 5; i++)
      expect((await signInRaw(ghost, `wrong-${i}-password`, freshIp())).status).toBe(401)
    const a = await bodyOf(await signInRaw(ghost, 'whatever-password', freshIp()))
    const b = await bodyOf(await signInRaw(USER.email, USER.password, freshIp()))
    expect(a.status).toBe(b.status)
    expect(a.body.code).toBe(b.body.code)
    const shape = (m?: string) => m?.replace(/\d+/g, 'N')
    expect(shape(a.body.message)).toBe(shape(b.body.message))
  })

  it('the lockout expires and a success clears it (exponential delay, unit level, on Redis)', async () => {
    const { LoginLockout } = await import('../../apps/web/src/server/login-lockout')
    const { services } = await import('../../apps/web/src/server/services')
    const s = services()
    let now = 0
    const l = new LoginLockout(
      () => s.redis,
      `${s.redisPrefix}:unit`,
      () => now,
    )
    for (let i = 0; i < 5; i++) expect(await l.attempt('x@y')).toBe(0)
    expect(await l.retryAfterMs('X@Y')).toBe(30_000)
    expect(await l.attempt('x@y')).toBe(30_000)
    now += 30_001
    expect(await l.retryAfterMs('x@y')).toBe(0)
    expect(await l.attempt('x@y')).toBe(0)
    expect(await l.retryAfterMs('x@y')).toBe(60_000)
    await l.recordSuccess('x@y')
    expect(await l.retryAfterMs('x@y')).toBe(0)
  })

  it('concurrent guesses cannot all pass a stale check: of 20 at once, exactly 5 reach the password', async () => {
    const { LoginLockout } = await import('../../apps/web/src/server/login-lockout')
    const { services } = await import('../../apps/web/src/server/services')
    const s = services()
    const l = new LoginLockout(() => s.redis, `${s.redisPrefix}:unit`)
    const waits = await Promise.all(Array.from({ length: 20 }, () => l.attempt('race@y')))
    expect(waits.filter((w) => w === 0)).toHaveLength(5)
  })
})

describe('per-IP rate limit', () => {
  it('more than 10 sign-ins a minute from one IP are refused, even with the right password', async () => {
    const ip = '198.18.0.77'
    const statuses: number[] = []
    for (let i = 0; i < 10; i++)
      statuses.push((await signInRaw(`spray${i}@login.test`, 'wrong-password-x', ip)).status)
    expect(statuses.every((s) => s === 401)).toBe(true)
    const blocked = await signInRaw('other@login.test', USER.password, ip)
    expect(blocked.status).toBe(429)
    // Another address is unaffected.
    expect((await signInRaw('other@login.test', USER.password, freshIp())).status).toBe(200)
  })
})
