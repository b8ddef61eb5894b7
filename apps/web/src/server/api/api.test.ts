import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call, PUBLIC_URL, setupWebTest, signIn } from '../../../test/harness'
import type { TestDatabase } from '@cms/db/testing'
import * as seed from '../demo-seed'
import { routeList, routes } from './routes'

let db: TestDatabase
let teardown: () => Promise<void>
let readKey: string
let writeKey: string
let cookie: string
let viewerCookie: string
let tenantId: string
let accountId: string

beforeAll(async () => {
  ;({ db, teardown } = await setupWebTest())
  const demo = await seed.seedDemoOrganization(db.worker, {
    email: 'owner@a.test',
    password: 'password-123456',
    estate: { resourcesPerAccount: 120, days: 8, rawHours: 7, newFraction: 0.1 },
  })
  tenantId = demo.organizationId
  writeKey = demo.apiKey
  readKey = await seed.createApiKeyFor(db.worker, tenantId, 'read')
  accountId = (await db.worker.cloudAccount.findFirstOrThrow({ where: { tenantId } })).id
  cookie = await signIn('owner@a.test', 'password-123456')
  const viewer = await seed.createUserWithPassword(db.worker, {
    email: 'viewer@a.test',
    password: 'password-123456',
    name: 'V',
  })
  await seed.addMember(db.worker, tenantId, viewer.id, 'viewer')
  viewerCookie = await signIn('viewer@a.test', 'password-123456')
}, 120_000)
afterAll(async () => teardown?.())

describe('authentication and roles', () => {
  it('refuses anonymous and bad keys with 401 and the one error shape', async () => {
    const r = await call(routes.listAccounts.handler, {})
    expect(r.status).toBe(401)
    expect(r.body.error?.code).toBe('unauthenticated')
    expect(
      (await call(routes.listAccounts.handler, { auth: { apiKey: 'cms_deadbeef_notakeynotakeynotakey' } }))
        .status,
    ).toBe(401)
  })
  it('a session and both key scopes can read', async () => {
    for (const auth of [{ cookie }, { apiKey: readKey }, { apiKey: writeKey }, { cookie: viewerCookie }]) {
      const r = await call(routes.listAccounts.handler, { auth })
      expect(r.status).toBe(200)
      expect((r.body.items as unknown[]).length).toBe(1)
    }
  })
  it('read keys and viewers cannot change anything', async () => {
    for (const auth of [{ apiKey: readKey }, { cookie: viewerCookie }]) {
      const r = await call(routes.patchAccount.handler, {
        method: 'PATCH',
        params: { id: accountId },
        body: { paused: true },
        auth,
      })
      expect(r.status).toBe(403)
    }
  })
})

describe('resources, metrics, costs, usage', () => {
  it('pages the inventory with a cursor, filters and search', async () => {
    const first = await call(routes.listResources.handler, {
      query: { limit: '25', sort: 'name' },
      auth: { apiKey: readKey },
    })
    expect(first.status).toBe(200)
    const total = first.body.total as number
    expect(total).toBeGreaterThan(100)
    const seen = new Set<string>()
    let cursor = first.body.nextCursor as string | null
    for (const r of first.body.items as { id: string }[]) seen.add(r.id)
    while (cursor) {
      const page = await call(routes.listResources.handler, {
        query: { limit: '25', sort: 'name', cursor },
        auth: { apiKey: readKey },
      })
      for (const r of page.body.items as { id: string }[]) seen.add(r.id)
      cursor = page.body.nextCursor as string | null
    }
    expect(seen.size).toBe(total)
    const filtered = await call(routes.listResources.handler, {
      query: { type: 'rds.instance', region: 'eu-west-1', tag: 'env=prod' },
      auth: { apiKey: readKey },
    })
    for (const r of filtered.body.items as { type: string; region: string; tags: Record<string, string> }[]) {
      expect([r.type, r.region, r.tags.env]).toEqual(['rds.instance', 'eu-west-1', 'prod'])
    }
    const newOnly = await call(routes.listResources.handler, {
      query: { new: '1' },
      auth: { apiKey: readKey },
    })
    expect((newOnly.body.items as { isNew: boolean }[]).every((r) => r.isNew)).toBe(true)
    expect(newOnly.body.total).toBeGreaterThan(0)
  })

  it('reads the right rollup for the range', async () => {
    const list = await call(routes.listResources.handler, {
      query: { type: 'ec2.instance', state: 'running', limit: '1' },
      auth: { apiKey: readKey },
    })
    const id = (list.body.items as { id: string }[])[0]!.id
    const detail = await call(routes.getResource.handler, { params: { id }, auth: { apiKey: readKey } })
    expect((detail.body.metrics as { metric: string }[]).map((m) => m.metric)).toContain('CPUUtilization')
    const now = Date.now()
    const ranges: [number, string, number][] = [
      [3600_000, 'raw', 55],
      [86_400_000, '5m', 280],
      [7 * 86_400_000, '5m', 2000],
      [8 * 86_400_000, '1h', 180],
    ]
    for (const [ms, step, minPoints] of ranges) {
      const r = await call(routes.getResourceMetrics.handler, {
        params: { id },
        auth: { apiKey: readKey },
        query: {
          metric: 'CPUUtilization',
          from: new Date(now - ms).toISOString(),
          to: new Date(now).toISOString(),
        },
      })
      expect(r.status).toBe(200)
      expect(r.body.step).toBe(step)
      expect((r.body.points as unknown[]).length).toBeGreaterThanOrEqual(minPoints)
    }
  })

  it('costs group by service and usage sums the ledger', async () => {
    const c = await call(routes.getCosts.handler, {
      query: { groupBy: 'service' },
      auth: { apiKey: readKey },
    })
    expect(c.status).toBe(200)
    expect((c.body.groups as unknown[]).length).toBe(5)
    expect(c.body.total).toBeGreaterThan(0)
    const u = await call(routes.getUsage.handler, { auth: { apiKey: readKey } })
    expect(u.status).toBe(200)
    expect(u.body.totalCalls).toBeGreaterThan(0)
    expect((u.body.accounts as { accountId: string }[])[0]!.accountId).toBe(accountId)
  })
})

describe('accounts', () => {
  it('creates (secrets write-only), pauses, resumes and deletes', async () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
    const created = await call(routes.createAccount.handler, {
      method: 'POST',
      auth: { apiKey: writeKey },
      body: {
        cloud: 'aws',
        name: 'keys',
        credentials: { method: 'accessKeys', accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: secret },
      },
    })
    expect(created.status).toBe(201)
    expect(JSON.stringify(created.body)).not.toContain(secret)
    const id = (created.body.account as { id: string }).id
    const got = await call(routes.getAccount.handler, { params: { id }, auth: { apiKey: readKey } })
    expect(got.body.credentials).toEqual({ method: 'accessKeys', accessKeyIdHint: '…MPLE' })
    const paused = await call(routes.patchAccount.handler, {
      method: 'PATCH',
      params: { id },
      body: { paused: true },
      auth: { apiKey: writeKey },
    })
    expect(paused.body.status).toBe('paused')
    const resumed = await call(routes.patchAccount.handler, {
      method: 'PATCH',
      params: { id },
      body: { paused: false },
      auth: { apiKey: writeKey },
    })
    expect(resumed.body.status).toBe('pending')
    const del = await call(routes.deleteAccount.handler, {
      method: 'DELETE',
      params: { id },
      auth: { apiKey: writeKey },
    })
    expect(del.body.deleted).toBe(true)
    expect(
      (await call(routes.getAccount.handler, { params: { id }, auth: { apiKey: readKey } })).status,
    ).toBe(404)
  })

  it('the AWS role flow only accepts an ExternalId we issued to this organization', async () => {
    const setup = await call(routes.awsSetup.handler, { auth: { cookie } })
    expect(setup.status).toBe(200)
    expect(setup.body.externalId).toMatch(/^cms-/)
    const roleArn = 'arn:aws:iam::123456789012:role/CmsReadOnly'
    const forged = await call(routes.createAccount.handler, {
      method: 'POST',
      auth: { cookie },
      body: {
        cloud: 'aws',
        name: 'role',
        credentials: { method: 'assumeRole', roleArn, externalId: 'cms-chosen-by-tenant' },
        externalIdToken: 'x',
      },
    })
    expect(forged.status).toBe(422)
    expect(forged.body.error?.details.fields?.['credentials.externalId']).toBeTruthy()
    const ok = await call(routes.createAccount.handler, {
      method: 'POST',
      auth: { cookie },
      body: {
        cloud: 'aws',
        name: 'role',
        credentials: { method: 'assumeRole', roleArn, externalId: setup.body.externalId },
        externalIdToken: setup.body.externalIdToken,
      },
    })
    expect(ok.status).toBe(201)
    expect(ok.body.verification).toBeTruthy()
  })
})

/** Routes whose body is all-optional: `{}` is a valid (no-op) request for them. */
const EMPTY_BODY_OK = new Set(['patchAccount', 'patchAlertRule', 'patchWebhook', 'rotateWebhookSecret'])

describe('bad input is a 4xx with field-level messages on every route', () => {
  const badBodies: unknown[] = [
    {},
    { credentials: { method: 'accessKeys', accessKeyId: 'nope' } },
    { cloud: 'aws', name: '', credentials: { method: 'assumeRole', roleArn: 'nope' } },
    { name: 5, paused: 'yes', extra: 1 },
  ]
  it.each(routeList.map((r) => [r.id, r] as const))('%s', async (_id, r) => {
    const attempts: Parameters<typeof call>[1][] = []
    if (r.params)
      attempts.push({ method: r.method, params: { id: 'not-a-uuid' }, auth: { apiKey: writeKey } })
    if (r.query)
      attempts.push({
        method: r.method,
        params: { id: accountId },
        query: {
          limit: 'lots',
          sort: 'nope',
          step: '7s',
          groupBy: 'x',
          from: 'yesterday',
          metric: '',
          cloud: 'ibm',
          to: 'soon',
        },
        auth: { apiKey: writeKey },
      })
    if (r.body) {
      attempts.push({
        method: r.method,
        params: { id: accountId },
        rawBody: '{not json',
        auth: { apiKey: writeKey },
      })
      for (const b of badBodies.filter(
        (x) => !(EMPTY_BODY_OK.has(r.id) && Object.keys(x as object).length === 0),
      ))
        attempts.push({ method: r.method, params: { id: accountId }, body: b, auth: { apiKey: writeKey } })
    }
    for (const a of attempts) {
      const res = await call(r.handler, a)
      expect(res.status, JSON.stringify(res.body)).toBeGreaterThanOrEqual(400)
      expect(res.status).toBeLessThan(500)
      expect(
        Object.keys(res.body.error?.details.fields ?? {}).length,
        JSON.stringify(res.body),
      ).toBeGreaterThan(0)
    }
  })
  it('settings: API key creation validates its fields', async () => {
    const { postApiKey } = await import('../settings')
    const r = await call(postApiKey, { method: 'POST', body: { name: '', scope: 'root' }, auth: { cookie } })
    expect(r.status).toBe(422)
    expect(Object.keys(r.body.error?.details.fields ?? {})).toEqual(expect.arrayContaining(['name', 'scope']))
    expect(
      (
        await call(postApiKey, {
          method: 'POST',
          body: { name: 'k', scope: 'read' },
          auth: { apiKey: writeKey },
        })
      ).status,
    ).toBe(403)
  })
})

describe('auth endpoints', () => {
  it('sign-up rejects bad input with a 4xx, and locks an account after repeated failures', async () => {
    const { auth } = await import('../auth')
    const post = (path: string, body: unknown) =>
      auth().handler(
        new Request(`${PUBLIC_URL}/api/auth${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: PUBLIC_URL },
          body: JSON.stringify(body),
        }),
      )
    const bad = await post('/sign-up/email', { email: 'not-an-email', password: 'x', name: '' })
    expect(bad.status).toBeGreaterThanOrEqual(400)
    expect(bad.status).toBeLessThan(500)
    const statuses: number[] = []
    for (let i = 0; i < 6; i++)
      statuses.push(
        (await post('/sign-in/email', { email: 'owner@a.test', password: 'wrong-password!' })).status,
      )
    expect(statuses.slice(0, 5).every((s) => s === 401)).toBe(true)
    expect(statuses[5]).toBe(429)
  })
})

it('serves an OpenAPI 3.1 document covering every route', async () => {
  const { openApiDocument } = await import('./openapi')
  const doc = openApiDocument(PUBLIC_URL) as {
    openapi: string
    paths: Record<string, Record<string, unknown>>
  }
  expect(doc.openapi).toBe('3.1.0')
  for (const r of routeList) expect(doc.paths[r.path]?.[r.method.toLowerCase()], r.id).toBeTruthy()
})
