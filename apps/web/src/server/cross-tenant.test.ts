/**
 * Tenant isolation, generated from the route list: organization A's session and API keys get 404 on
 * every one of B's accounts, resources and metrics, and B's data never shows up in A's lists/costs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestDatabase } from '@cms/db/testing'
import { call, setupWebTest, signIn } from '../../test/harness'
import { routeList, routes } from './api/routes'

let db: TestDatabase
let teardown: () => Promise<void>
const A = { key: '', readKey: '', cookie: '', tenantId: '' }
const B = {
  tenantId: '',
  accountIds: [] as string[],
  resourceIds: [] as string[],
  alertRuleIds: [] as string[],
  webhookIds: [] as string[],
  deliveryIds: [] as string[],
  silenceIds: [] as string[],
}

beforeAll(async () => {
  ;({ db, teardown } = await setupWebTest())
  const seed = await import('./demo-seed')
  const a = await seed.seedDemoOrganization(db.worker, {
    email: 'a@x.test',
    password: 'password-aaaaaa',
    estate: { resourcesPerAccount: 30, days: 1, rawHours: 1 },
  })
  const b = await seed.seedDemoOrganization(db.worker, {
    email: 'b@x.test',
    password: 'password-bbbbbb',
    estate: { accounts: 2, resourcesPerAccount: 30, days: 1, rawHours: 1 },
  })
  Object.assign(A, {
    key: a.apiKey,
    readKey: await seed.createApiKeyFor(db.worker, a.organizationId, 'read'),
    tenantId: a.organizationId,
    cookie: await signIn('a@x.test', 'password-aaaaaa'),
  })
  B.tenantId = b.organizationId
  B.accountIds = (
    await db.worker.cloudAccount.findMany({ where: { tenantId: b.organizationId }, select: { id: true } })
  ).map((x) => x.id)
  B.resourceIds = (
    await db.worker.resource.findMany({
      where: { tenantId: b.organizationId, type: 'ec2.instance' },
      select: { id: true },
      take: 5,
    })
  ).map((x) => x.id)
  // One of each alerting object in B (rows only: A must not reach them whatever they contain).
  const tenantId = b.organizationId
  const rule = await db.worker.alertRule.create({
    data: {
      tenantId,
      name: 'b-rule',
      kind: 'cost',
      spec: { kind: 'cost', condition: { type: 'daily_spend_above', amount: 5 } },
    },
  })
  const ep = await db.worker.webhookEndpoint.create({
    data: {
      tenantId,
      name: 'b-hook',
      format: 'standard',
      urlView: 'https://b.example/hook',
      secrets: {},
      secretsView: [],
    },
  })
  const del = await db.worker.webhookDelivery.create({
    data: {
      tenantId,
      endpointId: ep.id,
      notificationId: 'n1',
      eventType: 'alert.firing',
      payload: {},
      status: 'failed',
    },
  })
  const sil = await db.worker.alertSilence.create({
    data: { tenantId, ruleId: rule.id, startsAt: new Date(), endsAt: new Date(Date.now() + 3600_000) },
  })
  await db.worker.alertInstance.create({
    data: {
      tenantId,
      ruleId: rule.id,
      fingerprint: 'bfp',
      subjectKey: 'b',
      state: 'firing',
      summary: 'B alert',
    },
  })
  Object.assign(B, {
    alertRuleIds: [rule.id],
    webhookIds: [ep.id],
    deliveryIds: [del.id],
    silenceIds: [sil.id],
  })
}, 120_000)
afterAll(async () => teardown?.())

const objectRoutes = routeList.filter((r) => r.tenantObject)
const listRoutes = routeList.filter((r) => !r.tenantObject && r.method === 'GET')

type Auth = { cookie?: string; apiKey?: string }
describe.each<[string, () => Auth]>([
  ['session', () => ({ cookie: A.cookie })],
  ['write API key', () => ({ apiKey: A.key })],
  ['read API key', () => ({ apiKey: A.readKey })],
])('organization A via %s', (_label, auth) => {
  it.each(objectRoutes.map((r) => [`${r.method} ${r.path}`, r] as const))(
    '%s → 404 for every B object',
    async (_n, r) => {
      const ids = {
        account: B.accountIds,
        resource: B.resourceIds,
        alertRule: B.alertRuleIds,
        webhook: B.webhookIds,
        delivery: B.deliveryIds,
        silence: B.silenceIds,
      }[r.tenantObject!]
      expect(ids.length).toBeGreaterThan(0)
      for (const id of ids) {
        const res = await call(r.handler, {
          method: r.method,
          params: { id },
          auth: auth(),
          query: r.id === 'getResourceMetrics' ? { metric: 'CPUUtilization' } : {},
          body: r.body ? (r.id === 'patchAccount' ? { name: 'pwned' } : {}) : undefined,
        })
        // A read key is refused mutations before lookup (403); everything else must look absent.
        if (auth().apiKey === A.readKey && r.method !== 'GET') expect(res.status).toBe(403)
        else expect(res.status, `${r.id} ${JSON.stringify(res.body)}`).toBe(404)
      }
    },
  )

  it.each(listRoutes.map((r) => [`${r.method} ${r.path}`, r] as const))(
    '%s never includes B data',
    async (_n, r) => {
      const res = await call(r.handler, {
        auth: auth(),
        query: r.id === 'getCosts' ? { accountId: B.accountIds.join(',') } : {},
      })
      if (auth().apiKey === A.readKey && r.role !== 'viewer') return expect(res.status).toBe(403)
      expect(res.status).toBe(200)
      const text = JSON.stringify(res.body)
      for (const id of [
        ...B.accountIds,
        ...B.resourceIds,
        ...B.alertRuleIds,
        ...B.webhookIds,
        ...B.silenceIds,
        B.tenantId,
      ])
        expect(text).not.toContain(id)
      expect(text).not.toContain('B alert')
      if (r.id === 'getCosts') expect(res.body.total).toBe(0)
    },
  )
})

it('B is untouched after A tried everything', async () => {
  const accounts = await db.worker.cloudAccount.findMany({
    where: { tenantId: B.tenantId },
    select: { name: true, status: true },
  })
  expect(accounts.every((a) => a.name !== 'pwned' && a.status === 'ok')).toBe(true)
  expect(accounts).toHaveLength(2)
  expect(await db.worker.alertRule.count({ where: { tenantId: B.tenantId } })).toBe(1)
  expect(await db.worker.webhookEndpoint.count({ where: { tenantId: B.tenantId, status: 'active' } })).toBe(1)
  expect(
    await db.worker.alertSilence.count({ where: { tenantId: B.tenantId, endsAt: { gt: new Date() } } }),
  ).toBe(1)
  expect(await db.worker.webhookDelivery.count({ where: { tenantId: B.tenantId, status: 'failed' } })).toBe(1)
  void routes
})
