import { forTenant } from '@cms/db'
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
