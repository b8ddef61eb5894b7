import { forTenant } from '@cms/db'
import { createTenant, createTestDatabase, testVault, type TestDatabase } from '@cms/db/testing'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createAlertRule,
  createSilence,
  createWebhookEndpoint,
  evaluateAccountHealth,
  evaluateCostRules,
  evaluateMetricRules,
  handleInventoryEvents,
  listAlertInstances,
  listAlertRules,
  systemResolver,
  transition,
  INITIAL_STATE,
} from './index'
import { createResourceWithSeries, insertPoints } from './testing/receiver'

let t: TestDatabase
const vault = testVault()
const urlPolicy = { allowPrivate: true, requireHttps: false, resolver: systemResolver }
const MIN = 60_000

beforeAll(async () => {
  t = await createTestDatabase()
})
afterAll(() => t?.drop())

async function tenantWithEndpoint() {
  const tenant = await createTenant(t.worker)
  const tdb = forTenant(t.app, tenant.id)
  const { endpoint } = await createWebhookEndpoint(
    tdb,
    vault,
    tenant.id,
    { format: 'standard', name: 'e', url: 'http://127.0.0.1:9/x' },
    { urlPolicy },
  )
  return { tenant, tdb, endpoint }
}

describe('state machine', () => {
  it('pending → firing after forMinutes, re-notify, resolved; a flap inside forMinutes never notifies', () => {
    const t0 = new Date('2026-01-01T00:00:00Z')
    const at = (m: number) => new Date(t0.getTime() + m * MIN)
    const base = { forMs: 5 * MIN, renotifyMs: 30 * MIN, silenced: false }
    let s = INITIAL_STATE
    const step = (active: boolean, m: number, silenced = false) => {
      const r = transition(s, { ...base, active, now: at(m), silenced })
      s = r.next
      return r.notify
    }
    expect(step(true, 0)).toBeNull()
    expect(s.state).toBe('pending')
    expect(step(false, 2)).toBeNull() // flap
    expect(s.state).toBe('inactive')
    expect(step(true, 3)).toBeNull()
    expect(step(true, 8)).toEqual({ status: 'firing', renotify: 0 })
    expect(step(true, 20)).toBeNull()
    expect(step(true, 38)).toEqual({ status: 'firing', renotify: 1 })
    expect(step(false, 40)).toEqual({ status: 'resolved' })
    expect(step(false, 41)).toBeNull()
    expect(s.incident).toBe(1)
    // Silenced at firing time: nothing; once the silence is over and it still fires, it is sent.
    expect(step(true, 50, true)).toBeNull()
    expect(step(true, 56, true)).toBeNull()
    expect(s.state).toBe('firing')
    expect(step(true, 57)).toEqual({ status: 'firing', renotify: 0 })
    // Silenced firing never sent → no resolve either.
    expect(step(false, 60)).toEqual({ status: 'resolved' })
    step(true, 70, true)
    step(true, 76, true)
    expect(step(false, 80, true)).toBeNull()
  })
})

describe('metric rules', () => {
  it('forMinutes holds the alert pending; scopes by tag; a silence suppresses', async () => {
    const { tenant, tdb, endpoint } = await tenantWithEndpoint()
    const prod = await createResourceWithSeries(t.worker, tenant.id, {
      tags: { env: 'prod' },
      name: 'db-1',
      metric: 'FreeStorageSpace',
      type: 'rds.instance',
    })
    const dev = await createResourceWithSeries(t.worker, tenant.id, {
      tags: { env: 'dev' },
      name: 'db-2',
      metric: 'FreeStorageSpace',
      type: 'rds.instance',
    })
    const rule = await createAlertRule(tdb, tenant.id, {
      name: 'Low disk',
      endpointIds: [endpoint.id],
      spec: {
        kind: 'metric_threshold',
        metric: 'FreeStorageSpace',
        scope: { type: 'tags', tags: { env: 'prod' } },
        aggregation: 'min',
        windowMinutes: 10,
        comparison: 'lt',
        threshold: 100,
        forMinutes: 5,
      },
    })
    expect((await listAlertRules(tdb, tenant.id))[0]!.spec).toMatchObject({
      kind: 'metric_threshold',
      forMinutes: 5,
    })
    const t0 = new Date()
    for (const f of [prod, dev])
      await insertPoints(t.worker, tenant.id, f.series.id, [{ ts: new Date(t0.getTime() - MIN), value: 50 }])
    const r0 = await evaluateMetricRules(t.worker, { tenantId: tenant.id, now: t0 })
    expect(r0.notifications).toHaveLength(0)
    const inst = await listAlertInstances(tdb, tenant.id, { ruleId: rule.id })
    expect(inst.map((i) => [i.state, (i.labels as Record<string, string>).resource])).toEqual([
      ['pending', 'db-1'],
    ])
    const t1 = new Date(t0.getTime() + 6 * MIN)
    await insertPoints(t.worker, tenant.id, prod.series.id, [{ ts: new Date(t1.getTime() - MIN), value: 40 }])
    const r1 = await evaluateMetricRules(t.worker, { tenantId: tenant.id, now: t1 })
    expect(r1.notifications.map((n) => [n.status, n.labels.resource, n.value])).toEqual([
      ['firing', 'db-1', 40],
    ])
    expect(r1.deliveries).toHaveLength(1)
    // Silence the rule; a second prod resource starts firing but is not notified.
    await createSilence(tdb, tenant.id, {
      ruleId: rule.id,
      matchers: { resource: 'db-3' },
      startsAt: new Date(t0.getTime() - MIN),
      endsAt: new Date(t1.getTime() + 60 * MIN),
      comment: 'maintenance',
    })
    const other = await createResourceWithSeries(t.worker, tenant.id, {
      tags: { env: 'prod' },
      name: 'db-3',
      metric: 'FreeStorageSpace',
      type: 'rds.instance',
    })
    await insertPoints(t.worker, tenant.id, other.series.id, [
      { ts: new Date(t1.getTime() - 2 * MIN), value: 1 },
    ])
    const t2 = new Date(t1.getTime() + 6 * MIN)
    await evaluateMetricRules(t.worker, {
      tenantId: tenant.id,
      resourceIds: [other.resource.id],
      now: new Date(t1.getTime() + MIN),
    })
    const r2 = await evaluateMetricRules(t.worker, {
      tenantId: tenant.id,
      resourceIds: [other.resource.id],
      now: t2,
    })
    expect(r2.notifications).toHaveLength(0)
    const states = await listAlertInstances(tdb, tenant.id, { ruleId: rule.id, states: ['firing'] })
    expect(states).toHaveLength(2)
  })

  it('tenant isolation: another tenant sees no rules, instances or endpoints (RLS as cms_app)', async () => {
    const a = await tenantWithEndpoint()
    await createAlertRule(a.tdb, a.tenant.id, {
      name: 'x',
      spec: { kind: 'inventory_event', events: ['resource.created'] },
    })
    const b = await createTenant(t.worker)
    const tdbB = forTenant(t.app, b.id)
    expect(await listAlertRules(tdbB, b.id)).toHaveLength(0)
    expect(await tdbB.alertRule.findMany({ where: { tenantId: a.tenant.id } })).toHaveLength(0)
    expect(await tdbB.webhookEndpoint.findMany({ where: { id: a.endpoint.id } })).toHaveLength(0)
    // A rule in B cannot subscribe A's endpoint.
    await expect(
      createAlertRule(tdbB, b.id, {
        name: 'y',
        endpointIds: [a.endpoint.id],
        spec: { kind: 'inventory_event', events: ['resource.created'] },
      }),
    ).rejects.toThrow(/Unknown webhook endpoint/)
  })
})

describe('inventory events', () => {
  it('resource.created fires once per event (replays are idempotent) for matching rules', async () => {
    const { tenant, tdb, endpoint } = await tenantWithEndpoint()
    const f = await createResourceWithSeries(t.worker, tenant.id, { type: 'ec2.instance', name: 'new-vm' })
    await createAlertRule(tdb, tenant.id, {
      name: 'New instance',
      severity: 'info',
      endpointIds: [endpoint.id],
      spec: {
        kind: 'inventory_event',
        events: ['resource.created', 'resource.state_changed'],
        resourceTypes: ['ec2.instance'],
      },
    })
    await createAlertRule(tdb, tenant.id, {
      name: 'Terminations',
      endpointIds: [endpoint.id],
      spec: { kind: 'inventory_event', events: ['resource.terminated'] },
    })
    const events = [
      { type: 'resource.created' as const, resourceId: f.resource.id, at: new Date(), eventId: 17 },
    ]
    const r = await handleInventoryEvents(t.worker, { tenantId: tenant.id, events })
    expect(r.notifications.map((n) => [n.ruleName, n.labels.event, n.oneShot])).toEqual([
      ['New instance', 'resource.created', true],
    ])
    expect(r.notifications[0]!.summary).toContain('new-vm')
    expect(r.deliveries).toHaveLength(1)
    const again = await handleInventoryEvents(t.worker, { tenantId: tenant.id, events })
    expect(again.notifications).toHaveLength(0)
    expect(again.deliveries).toHaveLength(0)
    // The scheduler's resource.updated counts as state_changed only when the state moved.
    const upd = await handleInventoryEvents(t.worker, {
      tenantId: tenant.id,
      events: [
        {
          type: 'resource.updated',
          resourceId: f.resource.id,
          at: new Date(),
          eventId: 18,
          previousState: 'running',
          state: 'running',
        },
        {
          type: 'resource.updated',
          resourceId: f.resource.id,
          at: new Date(),
          eventId: 19,
          previousState: 'running',
          state: 'stopped',
        },
      ],
    })
    expect(upd.notifications.map((n) => n.summary)).toEqual([expect.stringContaining('running → stopped')])
  })

  it('a crash between the alert instance and its delivery rows loses no notification (one transaction)', async () => {
    const { tenant, tdb, endpoint } = await tenantWithEndpoint()
    const f = await createResourceWithSeries(t.worker, tenant.id, { type: 'ec2.instance', name: 'crash-vm' })
    await createAlertRule(tdb, tenant.id, {
      name: 'Crash test',
      endpointIds: [endpoint.id],
      spec: { kind: 'inventory_event', events: ['resource.created'] },
    })
    const events = [
      { type: 'resource.created' as const, resourceId: f.resource.id, at: new Date(), eventId: 4242 },
    ]
    // The crash: the database refuses the outbox insert, after the instance insert went through.
    const admin = new pg.Client({ connectionString: t.url })
    await admin.connect()
    try {
      await admin.query(`CREATE FUNCTION crash_outbox() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN RAISE EXCEPTION 'injected crash before the outbox row'; END $$`)
      await admin.query(
        `CREATE TRIGGER crash_outbox BEFORE INSERT ON webhook_delivery FOR EACH STATEMENT EXECUTE FUNCTION crash_outbox()`,
      )
      await expect(handleInventoryEvents(t.worker, { tenantId: tenant.id, events })).rejects.toThrow(
        /injected crash/,
      )
      // Nothing half-written: no instance says "already notified".
      expect(await t.worker.alertInstance.count({ where: { tenantId: tenant.id } })).toBe(0)
    } finally {
      await admin.query('DROP TRIGGER IF EXISTS crash_outbox ON webhook_delivery')
      await admin.query('DROP FUNCTION IF EXISTS crash_outbox()')
      await admin.end()
    }
    // The job's retry: the notification is decided again and reaches the outbox, once.
    const retry = await handleInventoryEvents(t.worker, { tenantId: tenant.id, events })
    expect(retry.deliveries).toHaveLength(1)
    expect(await t.worker.webhookDelivery.count({ where: { tenantId: tenant.id } })).toBe(1)
    expect((await handleInventoryEvents(t.worker, { tenantId: tenant.id, events })).deliveries).toHaveLength(
      0,
    )
  })
})

describe('account health', () => {
  it('credentials failing fires and resolves; polling lag fires past the limit', async () => {
    const { tenant, tdb, endpoint } = await tenantWithEndpoint()
    const { account } = await createResourceWithSeries(t.worker, tenant.id)
    await createAlertRule(tdb, tenant.id, {
      name: 'Creds',
      severity: 'error',
      endpointIds: [endpoint.id],
      spec: { kind: 'account_health', condition: { type: 'credentials_failing' } },
    })
    await createAlertRule(tdb, tenant.id, {
      name: 'Lag',
      endpointIds: [endpoint.id],
      spec: { kind: 'account_health', condition: { type: 'polling_lag', lagMinutes: 30 } },
    })
    const now = new Date()
    await t.worker.cloudAccount.update({
      where: { id: account.id },
      data: {
        status: 'error',
        lastErrorCode: 'credentials_invalid',
        lastSuccessAt: new Date(now.getTime() - 10 * MIN),
      },
    })
    const r1 = await evaluateAccountHealth(t.worker, { tenantId: tenant.id, accountIds: [account.id], now })
    expect(r1.notifications.map((n) => [n.ruleName, n.status])).toEqual([['Creds', 'firing']])
    const later = new Date(now.getTime() + 45 * MIN)
    const r2 = await evaluateAccountHealth(t.worker, { tenantId: tenant.id, now: later })
    expect(r2.notifications.map((n) => [n.ruleName, n.status])).toEqual([['Lag', 'firing']])
    await t.worker.cloudAccount.update({
      where: { id: account.id },
      data: { status: 'ok', lastErrorCode: null, lastSuccessAt: later },
    })
    const r3 = await evaluateAccountHealth(t.worker, { tenantId: tenant.id, now: later })
    expect(r3.notifications.map((n) => [n.ruleName, n.status]).sort()).toEqual([
      ['Creds', 'resolved'],
      ['Lag', 'resolved'],
    ])
  })
})

describe('cost rules', () => {
  it('daily anomaly (> 3σ over 14 days), daily spend above, month forecast', async () => {
    const { tenant, tdb, endpoint } = await tenantWithEndpoint()
    const { account } = await createResourceWithSeries(t.worker, tenant.id)
    const now = new Date('2026-03-20T08:00:00Z')
    const day = (ago: number) => new Date(Date.UTC(2026, 2, 20 - ago))
    const amounts = [100, 104, 98, 101, 99, 103, 97, 100, 102, 98, 101, 99, 100, 102] // 14 previous days
    await t.worker.dailyCost.createMany({
      data: [
        ...amounts.map((amount, i) => ({
          tenantId: tenant.id,
          accountId: account.id,
          day: day(i + 2),
          service: 'EC2',
          amount,
        })),
        { tenantId: tenant.id, accountId: account.id, day: day(1), service: 'EC2', amount: 180 },
        // today's partial day is ignored
        { tenantId: tenant.id, accountId: account.id, day: day(0), service: 'EC2', amount: 5000 },
        // A KRW bill (Naver Cloud) on the same days: compared only by KRW rules, never added to USD.
        ...[2, 3, 4].map((ago) => ({
          tenantId: tenant.id,
          accountId: account.id,
          day: day(ago),
          service: 'Server',
          amount: 90_000,
          currency: 'KRW',
        })),
        {
          tenantId: tenant.id,
          accountId: account.id,
          day: day(1),
          service: 'Server',
          amount: 120_000,
          currency: 'KRW',
        },
      ],
    })
    const mk = (name: string, condition: Record<string, unknown>) =>
      createAlertRule(tdb, tenant.id, {
        name,
        endpointIds: [endpoint.id],
        spec: { kind: 'cost', condition } as never,
      })
    await mk('Anomaly', { type: 'daily_anomaly' })
    await mk('Daily > 150', { type: 'daily_spend_above', amount: 150 })
    await mk('Daily > 500', { type: 'daily_spend_above', amount: 500 })
    await mk('Budget 2500', { type: 'month_forecast_above', budget: 2500 })
    await mk('Budget 5000', { type: 'month_forecast_above', budget: 5000 })
    const krw = (name: string, condition: Record<string, unknown>) =>
      createAlertRule(tdb, tenant.id, {
        name,
        endpointIds: [endpoint.id],
        spec: { kind: 'cost', condition, currency: 'KRW' } as never,
      })
    await krw('KRW daily > 100k', { type: 'daily_spend_above', amount: 100_000 })
    await krw('KRW daily > 200k', { type: 'daily_spend_above', amount: 200_000 })
    const r = await evaluateCostRules(t.worker, { tenantId: tenant.id, now })
    expect(r.notifications.map((n) => n.ruleName).sort()).toEqual([
      'Anomaly',
      'Budget 2500',
      'Daily > 150',
      'KRW daily > 100k',
    ])
    const anomaly = r.notifications.find((n) => n.ruleName === 'Anomaly')!
    expect(anomaly.labels.day).toBe('2026-03-19')
    expect(anomaly.value).toBe(180)
    // The USD rules saw USD only (180, not 180 + 120,000); the KRW rule speaks KRW.
    expect(r.notifications.find((n) => n.ruleName === 'Daily > 150')?.value).toBe(180)
    const won = r.notifications.find((n) => n.ruleName === 'KRW daily > 100k')!
    expect(won.value).toBe(120_000)
    expect(won.summary).toContain('KRW')
  })
})
