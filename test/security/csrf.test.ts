/**
 * Issue 18 (7), finding: cookie-authenticated writes did not check where they came from. The session
 * cookie is SameSite=Lax — other sites cannot use it, but other origins of the same site (a sibling
 * subdomain, another app on the registrable domain) can, and the JSON reader accepts a `text/plain`
 * form post. So a page on such an origin could make a signed-in owner create an API key, delete an
 * account, point webhooks elsewhere. Now every write through withTenant (and the claim redemption) must
 * come from our own origin when a browser says where it comes from; API keys are not ambient and are not
 * checked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestDatabase } from '@cms/db/testing'
import {
  PUBLIC_URL,
  callRaw,
  organizationWithEveryPrincipal,
  setupSecurityTest,
  type Handler,
} from './harness'

let db: TestDatabase
let teardown: () => Promise<void>
let owner = ''
let writeKey = ''
let postApiKey: Handler
let listApiKeys: Handler
let redeemClaim: Handler

beforeAll(async () => {
  ;({ db, teardown } = await setupSecurityTest())
  const org = await organizationWithEveryPrincipal(db.worker, 'csrf')
  owner = org.principals.find((p) => p.label.endsWith('owner session'))!.auth.cookie!
  writeKey = org.principals.find((p) => p.label.endsWith('write key'))!.auth.apiKey!
  ;({ postApiKey, listApiKeys } = (await import('../../apps/web/src/server/settings')) as unknown as {
    postApiKey: Handler
    listApiKeys: Handler
  })
  ;({ redeemClaim } = (await import('../../apps/web/src/server/marketplace')) as unknown as {
    redeemClaim: Handler
  })
}, 120_000)
afterAll(async () => teardown?.())

const keysNow = async () => db.worker.apiKey.count()

describe('cookie-authenticated writes from another origin', () => {
  it('a sibling origin (Origin or Sec-Fetch-Site) cannot create an API key with the owner’s cookie; text/plain included', async () => {
    const before = await keysNow()
    const hostile: Record<string, string>[] = [
      { origin: 'https://evil.localhost:3999' },
      { origin: 'null' },
      { origin: PUBLIC_URL, 'sec-fetch-site': 'same-site' },
      { origin: PUBLIC_URL, 'sec-fetch-site': 'cross-site' },
    ]
    for (const headers of hostile) {
      const r = await callRaw(postApiKey, {
        method: 'POST',
        path: '/api/internal/api-keys',
        headers,
        rawBody: JSON.stringify({ name: 'csrf', scope: 'write' }),
        contentType: 'text/plain',
        auth: { cookie: owner },
      })
      expect(r.status, JSON.stringify(headers)).toBe(403)
    }
    const claim = await callRaw(redeemClaim, {
      method: 'POST',
      path: '/api/internal/claim',
      headers: { origin: 'https://evil.localhost:3999' },
      body: { claim: 'x' },
      auth: { cookie: owner },
    })
    expect(claim.status).toBe(403)
    expect(await keysNow()).toBe(before)
  })

  it('our own origin, a non-browser client (no Origin, no Sec-Fetch-Site), reads and API keys still work', async () => {
    const before = await keysNow()
    const ok = (headers: Record<string, string>, auth: { cookie?: string; apiKey?: string }) =>
      callRaw(postApiKey, {
        method: 'POST',
        path: '/api/internal/api-keys',
        headers,
        body: { name: 'fine', scope: 'read' },
        auth,
      })
    expect(
      (await ok({ origin: PUBLIC_URL, 'sec-fetch-site': 'same-origin' }, { cookie: owner })).status,
    ).toBe(201)
    // The harness sets Origin: our own; a non-browser caller sends neither header.
    const bare = new Request(`${PUBLIC_URL}/api/internal/api-keys`, {
      method: 'POST',
      headers: { cookie: owner, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'cli', scope: 'read' }),
    })
    expect((await postApiKey(bare, { params: Promise.resolve({}) })).status).toBe(201)
    expect((await keysNow()) - before).toBe(2)
    // A cross-origin read is harmless (the browser does not hand the response over) and stays allowed.
    const list = await callRaw(listApiKeys, {
      path: '/api/internal/api-keys',
      headers: { origin: 'https://evil.localhost:3999' },
      auth: { cookie: owner },
    })
    expect(list.status).toBe(200)
    // API keys are not ambient credentials: no origin rule.
    const { routes } = await import('../../apps/web/src/server/api/routes')
    const listAccountsRoute = Object.values(routes).find((r) => r.method === 'GET' && r.path === '/accounts')
    expect(listAccountsRoute).toBeDefined()
    const r = await callRaw(listAccountsRoute!.handler as Handler, {
      path: '/api/v1/accounts',
      headers: { origin: 'https://evil.localhost:3999' },
      auth: { apiKey: writeKey },
    })
    expect(r.status).toBe(200)
  })
})
