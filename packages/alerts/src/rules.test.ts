import { randomUUID } from 'node:crypto'
import { createCloudAccount, forTenant } from '@cms/db'
import { createTenant, createTestDatabase, testVault, type TestDatabase } from '@cms/db/testing'
import { afterAll, beforeAll, expect, it } from 'vitest'
import {
  createAlertRule,
  createWebhookEndpoint,
  getAlertRule,
  systemResolver,
  updateAlertRule,
} from './index'

let t: TestDatabase
beforeAll(async () => {
  t = await createTestDatabase()
})
afterAll(() => t?.drop())

it('a PATCH changes only the fields it names (no create defaults re-applied)', async () => {
  const tenant = await createTenant(t.worker)
  const tdb = forTenant(t.app, tenant.id)
  const urlPolicy = { allowPrivate: true, requireHttps: false, resolver: systemResolver }
  const { endpoint } = await createWebhookEndpoint(
    tdb,
    testVault(),
    tenant.id,
    { format: 'standard', name: 'e', url: 'http://127.0.0.1:9/x' },
    { urlPolicy },
  )
  const rule = await createAlertRule(tdb, tenant.id, {
    name: 'CPU',
    enabled: false,
    severity: 'critical',
    endpointIds: [endpoint.id],
    spec: { kind: 'inventory_event', events: ['resource.created'] },
  })
  await updateAlertRule(tdb, tenant.id, rule.id, {
    spec: { kind: 'inventory_event', events: ['resource.created', 'resource.terminated'] },
  })
  const after = await getAlertRule(tdb, tenant.id, rule.id)
  expect(after).toMatchObject({
    name: 'CPU',
    enabled: false,
    severity: 'critical',
    endpointIds: [endpoint.id],
  })
  expect(after.spec).toMatchObject({ events: ['resource.created', 'resource.terminated'] })
  await updateAlertRule(tdb, tenant.id, rule.id, { endpointIds: [] })
  expect((await getAlertRule(tdb, tenant.id, rule.id)).endpointIds).toEqual([])
})

it('a rule may only name resources and accounts of its own tenant; a rejected PATCH changes nothing', async () => {
  const vault = testVault()
  const [a, b] = [await createTenant(t.worker), await createTenant(t.worker)]
  const account = (tenantId: string) =>
    createCloudAccount(forTenant(t.worker, tenantId), vault, tenantId, {
      cloud: 'aws',
      name: 'acct',
      credentials: {
        method: 'accessKeys',
        accessKeyId: 'AKIAEXAMPLE0000000',
        secretAccessKey: 'x'.repeat(40),
      },
      regions: ['us-east-1'],
    })
  const [accA, accB] = [await account(a.id), await account(b.id)]
  const resource = async (tenantId: string, accountId: string) =>
    (
      await t.worker.resource.create({
        data: {
          tenantId,
          accountId,
          cloud: 'aws',
          region: 'us-east-1',
          type: 'ec2.instance',
          nativeId: `i-${randomUUID().slice(0, 8)}`,
          state: 'running',
        },
      })
    ).id
  const [resA, resB] = [await resource(a.id, accA.id), await resource(b.id, accB.id)]
  const tdb = forTenant(t.app, a.id)
  const cpu = (resourceIds: string[]) => ({
    kind: 'metric_threshold' as const,
    metric: 'CPUUtilization',
    scope: { type: 'resource' as const, resourceIds },
    comparison: 'gt' as const,
    threshold: 90,
  })
  const rule = await createAlertRule(tdb, a.id, { name: 'CPU', spec: cpu([resA]) })
  await expect(createAlertRule(tdb, a.id, { name: 'CPU', spec: cpu([resA, resB]) })).rejects.toMatchObject({
    code: 'validation_failed',
    details: { field: 'spec.scope.resourceIds' },
  })
  await expect(
    createAlertRule(tdb, a.id, {
      name: 'new',
      spec: { kind: 'inventory_event', events: ['resource.created'], accountIds: [accB.id] },
    }),
  ).rejects.toMatchObject({ code: 'validation_failed', details: { field: 'spec.accountIds' } })
  // A PATCH with a valid name but a foreign endpoint or resource leaves the rule untouched.
  await expect(
    updateAlertRule(tdb, a.id, rule.id, { name: 'renamed', endpointIds: [randomUUID()] }),
  ).rejects.toMatchObject({ code: 'validation_failed' })
  await expect(
    updateAlertRule(tdb, a.id, rule.id, { name: 'renamed', spec: cpu([resB]) }),
  ).rejects.toMatchObject({ code: 'validation_failed' })
  expect(await getAlertRule(tdb, a.id, rule.id)).toMatchObject({
    name: 'CPU',
    spec: { scope: { resourceIds: [resA] } },
  })
})
