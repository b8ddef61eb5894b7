import { forTenant } from '@cms/db'
import { createTenant, createTestDatabase, testVault, type TestDatabase } from '@cms/db/testing'
import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createAlertRule,
  createWebhookEndpoint,
  deliverWebhook,
  evaluateMetricRules,
  handleInventoryEvents,
  listDeliveries,
  nextRetryDelay,
  replayDelivery,
  rotateWebhookSecret,
  sendTestWebhook,
  systemResolver,
  createWebhookDispatcher,
  DEFAULT_DELIVERY_POLICY,
  RETRY_SCHEDULE_MS,
  type DeliverOptions,
  type DeliveryJob,
  type DeliverResult,
} from './index'
import { Receiver, createResourceWithSeries, insertPoints } from './testing/receiver'

let t: TestDatabase
const vault = testVault()
// Operator setting for tests and self-hosted installs: private targets allowed, plain http allowed.
const urlPolicy = { allowPrivate: true, requireHttps: false, resolver: systemResolver }
const dispatcher = createWebhookDispatcher(urlPolicy)
// Time compressed by configuration: every retry delay ×1e-4 (5 min → 30 ms, 2 h → 720 ms), no jitter.
const policy = { ...DEFAULT_DELIVERY_POLICY, timeFactor: 1e-4, jitter: 0, timeoutMs: 2000 }
const opts: DeliverOptions = { policy, urlPolicy, dispatcher }

beforeAll(async () => {
  t = await createTestDatabase()
})
afterAll(async () => {
  await dispatcher.close()
  await t?.drop()
})

/** Plays the scheduler: runs each job after its delay, enqueueing the follow-up job, until none remain. */
async function drain(jobs: DeliveryJob[], onResult?: (r: DeliverResult) => void): Promise<DeliverResult[]> {
  const results: DeliverResult[] = []
  const queue = [...jobs]
  const seen = new Set<string>()
  while (queue.length > 0) {
    const job = queue.shift()!
    if (seen.has(job.jobId)) continue // deterministic job ids: BullMQ would not add it twice either
    seen.add(job.jobId)
    if (job.delayMs > 0) await new Promise((r) => setTimeout(r, job.delayMs))
    const r = await deliverWebhook(t.worker, vault, job, opts)
    results.push(r)
    onResult?.(r)
    if (r.next) queue.push(r.next)
  }
  return results
}

async function setup(format: 'standard' | 'alertmanager' | 'pagerduty' | 'slack' = 'standard') {
  const tenant = await createTenant(t.worker)
  const tdb = forTenant(t.app, tenant.id)
  const receiver = await new Receiver().start()
  const input =
    format === 'pagerduty'
      ? { format, name: 'pd', url: receiver.url('/v2/enqueue'), routingKey: 'R0UTINGKEY' }
      : { format, name: format, url: receiver.url() }
  const { endpoint, signingSecret } = await createWebhookEndpoint(tdb, vault, tenant.id, input, { urlPolicy })
  const fixture = await createResourceWithSeries(t.worker, tenant.id)
  const rule = await createAlertRule(tdb, tenant.id, {
    name: 'High CPU',
    severity: 'critical',
    endpointIds: [endpoint.id],
    spec: {
      kind: 'metric_threshold',
      metric: 'CPUUtilization',
      scope: { type: 'resource_type', resourceType: 'ec2.instance' },
      aggregation: 'avg',
      windowMinutes: 5,
      comparison: 'gt',
      threshold: 80,
      forMinutes: 0,
    },
  })
  return { tenant, tdb, receiver, endpoint, signingSecret, rule, ...fixture }
}

describe('webhook delivery to a real receiver', () => {
  it('one incident → exactly one firing and one resolved, signed per Standard Webhooks', async () => {
    const s = await setup()
    const t0 = new Date()
    await insertPoints(t.worker, s.tenant.id, s.series.id, [
      { ts: new Date(t0.getTime() - 120_000), value: 95 },
      { ts: new Date(t0.getTime() - 60_000), value: 97 },
    ])
    // Evaluated three times while the condition holds (each ingest batch triggers one).
    for (let i = 0; i < 3; i++) {
      const r = await evaluateMetricRules(t.worker, {
        tenantId: s.tenant.id,
        seriesIds: [s.series.id],
        now: new Date(t0.getTime() + i * 1000),
      })
      await drain(r.deliveries)
      expect(r.notifications.length).toBe(i === 0 ? 1 : 0)
    }
    // Back to normal: later points below the threshold push the average down.
    const t1 = new Date(t0.getTime() + 10 * 60_000)
    await insertPoints(t.worker, s.tenant.id, s.series.id, [
      { ts: new Date(t1.getTime() - 60_000), value: 10 },
    ])
    for (let i = 0; i < 2; i++) {
      const r = await evaluateMetricRules(t.worker, {
        tenantId: s.tenant.id,
        resourceIds: [s.resource.id],
        now: new Date(t1.getTime() + i * 1000),
      })
      await drain(r.deliveries)
    }
    const wh = new Webhook(s.signingSecret)
    const types = s.receiver.received.map((m) => {
      const verified = wh.verify(m.body, m.headers as Record<string, string>) as {
        type: string
        data: { status: string; fingerprint: string }
      }
      return verified.type
    })
    expect(types).toEqual(['alert.firing', 'alert.resolved'])
    const bodies = s.receiver.received.map(
      (m) => JSON.parse(m.body) as { data: { fingerprint: string; labels: Record<string, string> } },
    )
    expect(bodies[0]!.data.fingerprint).toBe(bodies[1]!.data.fingerprint)
    expect(bodies[0]!.data.labels.resource_id).toBe(s.resource.id)
    // A tampered body fails verification with the independent implementation.
    const m = s.receiver.received[0]!
    expect(() =>
      wh.verify(m.body.replace('firing', 'resolvd'), m.headers as Record<string, string>),
    ).toThrow()
    // The second incident gets new notification ids (same fingerprint).
    const t2 = new Date(t1.getTime() + 10 * 60_000)
    await insertPoints(t.worker, s.tenant.id, s.series.id, [
      { ts: new Date(t2.getTime() - 30_000), value: 99 },
    ])
    const r3 = await evaluateMetricRules(t.worker, { tenantId: s.tenant.id, now: t2 })
    expect(r3.notifications.map((n) => n.id)).toEqual([`${r3.notifications[0]!.fingerprint}:2:firing`])
    await s.receiver.stop()
  })

  it('every message arrives after the receiver was down for several retry steps; webhook-id is stable', async () => {
    const s = await setup()
    const now = new Date()
    await insertPoints(t.worker, s.tenant.id, s.series.id, [
      { ts: new Date(now.getTime() - 30_000), value: 90 },
    ])
    const r = await evaluateMetricRules(t.worker, { tenantId: s.tenant.id, now })
    expect(r.deliveries).toHaveLength(1)
    // Down: the port refuses connections for the first 4 attempts (now, +5 s, +5 min, +30 min in real time).
    await s.receiver.stop()
    let failures = 0
    const results = await drain(r.deliveries, (res) => {
      if (res.status === 'retry_scheduled' && ++failures === 4) void s.receiver.start()
    })
    expect(results.map((x) => x.status)).toEqual([
      'retry_scheduled',
      'retry_scheduled',
      'retry_scheduled',
      'retry_scheduled',
      'succeeded',
    ])
    expect(s.receiver.received).toHaveLength(1)
    const wh = new Webhook(s.signingSecret)
    expect(() =>
      wh.verify(s.receiver.received[0]!.body, s.receiver.received[0]!.headers as Record<string, string>),
    ).not.toThrow()
    const [log] = await listDeliveries(s.tdb, s.tenant.id, { endpointId: s.endpoint.id })
    expect(log!.status).toBe('succeeded')
    expect(log!.attemptLog.map((a) => a.outcome)).toEqual(['retry', 'retry', 'retry', 'retry', 'success'])
    expect(
      log!.attemptLog.slice(0, 4).every((a) => a.error === 'connection_refused' && a.statusCode === null),
    ).toBe(true)
    expect(s.receiver.received[0]!.headers['webhook-id']).toBe(`msg_${log!.id.replace(/-/g, '')}`)
    await s.receiver.stop()
  })

  it('5xx responses are retried with the same webhook-id, Retry-After is honoured, the excerpt is logged', async () => {
    const s = await setup()
    s.receiver.respond = (n) =>
      n <= 2
        ? { status: n === 1 ? 500 : 429, headers: { 'retry-after': '3' }, body: 'x'.repeat(5000) }
        : { status: 204 }
    const job = await sendTestWebhook(t.worker, s.tenant.id, s.endpoint.id)
    const results = await drain([job])
    expect(results.map((x) => x.status)).toEqual(['retry_scheduled', 'retry_scheduled', 'succeeded'])
    // after attempt 2 (429, Retry-After 3 s) the wait is max(5 min schedule, 3 s) × factor
    expect(results[1]!.next!.delayMs).toBe(Math.round(RETRY_SCHEDULE_MS[2]! * policy.timeFactor))
    const ids = new Set(s.receiver.received.map((m) => m.headers['webhook-id']))
    expect(ids.size).toBe(1)
    expect(JSON.parse(s.receiver.received[0]!.body).type).toBe('webhook.test')
    const [log] = await listDeliveries(s.tdb, s.tenant.id)
    expect(log!.attemptLog[0]!.responseExcerpt!.length).toBe(policy.maxResponseExcerptBytes)
    expect(log!.attemptLog.map((a) => a.statusCode)).toEqual([500, 429, 204])
    await s.receiver.stop()
  })

  it('410 Gone disables the endpoint, records that the tenant must be told, and stops delivery', async () => {
    const s = await setup()
    s.receiver.respond = () => ({ status: 410 })
    const job = await sendTestWebhook(t.worker, s.tenant.id, s.endpoint.id)
    const [res] = await drain([job])
    expect(res!.status).toBe('endpoint_disabled')
    expect(res!.endpointDisabled).toEqual({
      tenantId: s.tenant.id,
      endpointId: s.endpoint.id,
      reason: 'gone',
    })
    const ep = await t.worker.webhookEndpoint.findUniqueOrThrow({ where: { id: s.endpoint.id } })
    expect([ep.status, ep.disabledReason, ep.needsAttention]).toEqual(['disabled', 'gone', true])
    const audit = await t.worker.auditLog.findFirst({
      where: { tenantId: s.tenant.id, action: 'webhook_endpoint.disabled' },
    })
    expect(audit?.targetId).toBe(s.endpoint.id)
    await expect(sendTestWebhook(t.worker, s.tenant.id, s.endpoint.id)).rejects.toThrow(/disabled/)
    await s.receiver.stop()
  })

  it('sustained failure past the disable threshold disables the endpoint; the schedule gives up after 10 attempts', async () => {
    const s = await setup()
    s.receiver.respond = () => ({ status: 503 })
    // 5 days × 1e-4 = 43.2 s would be long for a test; the threshold is configuration, so tighten it.
    const short: DeliverOptions = {
      ...opts,
      policy: { ...policy, timeFactor: 1e-5, disableAfterMs: 5 * 86_400_000 },
    }
    const first = await sendTestWebhook(t.worker, s.tenant.id, s.endpoint.id)
    const results: DeliverResult[] = []
    let job: DeliveryJob | null = first
    while (job) {
      await new Promise((r) => setTimeout(r, job!.delayMs))
      const r: DeliverResult = await deliverWebhook(t.worker, vault, job, short)
      results.push(r)
      job = r.next
    }
    // The whole schedule (~3.2 days scaled) is shorter than 5 days: the message fails, the endpoint stays.
    expect(results).toHaveLength(10)
    expect(results.at(-1)!.status).toBe('failed')
    expect((await t.worker.webhookEndpoint.findUniqueOrThrow({ where: { id: s.endpoint.id } })).status).toBe(
      'active',
    )
    // Failing since > 5 days (scaled): the next failure disables.
    await t.worker.webhookEndpoint.update({
      where: { id: s.endpoint.id },
      data: { failingSince: new Date(Date.now() - 5 * 86_400_000 * 1e-5 - 1000) },
    })
    const again = await sendTestWebhook(t.worker, s.tenant.id, s.endpoint.id, new Date(Date.now() + 1))
    const r = await deliverWebhook(t.worker, vault, again, short)
    expect(r.status).toBe('endpoint_disabled')
    expect(r.endpointDisabled?.reason).toBe('sustained_failure')
    await s.receiver.stop()
  })

  it('manual replay re-sends a delivered message with the same webhook-id', async () => {
    const s = await setup()
    const job = await sendTestWebhook(t.worker, s.tenant.id, s.endpoint.id)
    await drain([job])
    const replay = await replayDelivery(s.tdb, s.tenant.id, job.deliveryId)
    expect(replay.jobId).not.toBe(job.jobId)
    await drain([replay])
    expect(s.receiver.received).toHaveLength(2)
    expect(s.receiver.received[0]!.headers['webhook-id']).toBe(s.receiver.received[1]!.headers['webhook-id'])
    // Re-running the same job id is a no-op (idempotent handler).
    expect((await deliverWebhook(t.worker, vault, replay, opts)).status).toBe('skipped')
    await s.receiver.stop()
  })

  it('secret rotation: both secrets sign during the grace period, receivers on either verify', async () => {
    const s = await setup()
    const { signingSecret: next } = await rotateWebhookSecret(s.tdb, vault, s.tenant.id, s.endpoint.id, {
      graceHours: 1,
    })
    // The web's path: tenant-scoped client under RLS (cms_app).
    const job = await sendTestWebhook(s.tdb, s.tenant.id, s.endpoint.id)
    await drain([job])
    const m = s.receiver.received[0]!
    expect(String(m.headers['webhook-signature']).split(' ')).toHaveLength(2)
    for (const secret of [s.signingSecret, next]) {
      expect(() => new Webhook(secret).verify(m.body, m.headers as Record<string, string>)).not.toThrow()
    }
    // The stored row holds only the envelope; the API view has no secret material.
    const row = await t.worker.webhookEndpoint.findUniqueOrThrow({ where: { id: s.endpoint.id } })
    expect(JSON.stringify(row)).not.toContain(next.slice(6, 20))
    expect(JSON.stringify(row)).not.toContain(`127.0.0.1:${s.receiver.port}/hook?`)
    await s.receiver.stop()
  })

  it('PagerDuty: trigger then resolve with dedup_key = fingerprint', async () => {
    const s = await setup('pagerduty')
    const now = new Date()
    await insertPoints(t.worker, s.tenant.id, s.series.id, [
      { ts: new Date(now.getTime() - 30_000), value: 90 },
    ])
    await drain((await evaluateMetricRules(t.worker, { tenantId: s.tenant.id, now })).deliveries)
    const later = new Date(now.getTime() + 10 * 60_000)
    await insertPoints(t.worker, s.tenant.id, s.series.id, [
      { ts: new Date(later.getTime() - 30_000), value: 5 },
    ])
    await drain((await evaluateMetricRules(t.worker, { tenantId: s.tenant.id, now: later })).deliveries)
    const [a, b] = s.receiver.received.map((m) => JSON.parse(m.body) as Record<string, unknown>)
    expect(a).toMatchObject({
      routing_key: 'R0UTINGKEY',
      event_action: 'trigger',
      payload: { severity: 'critical' },
    })
    expect(b).toMatchObject({ routing_key: 'R0UTINGKEY', event_action: 'resolve', dedup_key: a!.dedup_key })
    expect(s.receiver.received[0]!.path).toBe('/v2/enqueue')
    await s.receiver.stop()
  })

  it('Alertmanager format: version 4, firing then resolved, signed', async () => {
    const s = await setup('alertmanager')
    const now = new Date()
    await insertPoints(t.worker, s.tenant.id, s.series.id, [
      { ts: new Date(now.getTime() - 30_000), value: 90 },
    ])
    await drain((await evaluateMetricRules(t.worker, { tenantId: s.tenant.id, now })).deliveries)
    const later = new Date(now.getTime() + 10 * 60_000)
    await insertPoints(t.worker, s.tenant.id, s.series.id, [
      { ts: new Date(later.getTime() - 30_000), value: 5 },
    ])
    await drain((await evaluateMetricRules(t.worker, { tenantId: s.tenant.id, now: later })).deliveries)
    const bodies = s.receiver.received.map(
      (m) =>
        JSON.parse(m.body) as {
          version: string
          status: string
          alerts: Array<{ status: string; fingerprint: string; labels: Record<string, string> }>
        },
    )
    expect(bodies.map((b) => [b.version, b.status, b.alerts[0]!.status])).toEqual([
      ['4', 'firing', 'firing'],
      ['4', 'resolved', 'resolved'],
    ])
    expect(bodies[0]!.alerts[0]!.labels.alertname).toBe('High CPU')
    expect(() =>
      new Webhook(s.signingSecret).verify(
        s.receiver.received[0]!.body,
        s.receiver.received[0]!.headers as Record<string, string>,
      ),
    ).not.toThrow()
    await s.receiver.stop()
  })

  it('inventory: resource.created reaches a subscribed endpoint once, even if the batch is handled twice', async () => {
    const s = await setup()
    await createAlertRule(s.tdb, s.tenant.id, {
      name: 'New instances',
      severity: 'info',
      endpointIds: [s.endpoint.id],
      spec: { kind: 'inventory_event', events: ['resource.created'] },
    })
    const events = [
      { type: 'resource.created' as const, resourceId: s.resource.id, at: new Date(), eventId: '42' },
    ]
    for (let i = 0; i < 2; i++)
      await drain((await handleInventoryEvents(t.worker, { tenantId: s.tenant.id, events })).deliveries)
    expect(s.receiver.received).toHaveLength(1)
    const body = new Webhook(s.signingSecret).verify(
      s.receiver.received[0]!.body,
      s.receiver.received[0]!.headers as Record<string, string>,
    ) as {
      type: string
      data: { labels: Record<string, string> }
    }
    expect(body.type).toBe('alert.event')
    expect(body.data.labels).toMatchObject({ event: 'resource.created', resource_id: s.resource.id })
    await s.receiver.stop()
  })

  it('Slack format: text + blocks', async () => {
    const s = await setup('slack')
    await drain([await sendTestWebhook(t.worker, s.tenant.id, s.endpoint.id)])
    const b = JSON.parse(s.receiver.received[0]!.body) as { text: string; blocks: unknown[] }
    expect(b.text).toContain('Test notification')
    expect(b.blocks.length).toBeGreaterThan(0)
    expect(s.endpoint.urlView).toBe(`http://127.0.0.1:${s.receiver.port}/…`)
    await s.receiver.stop()
  })
})

describe('retry schedule', () => {
  it('follows now, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h, then gives up', () => {
    const p = { ...DEFAULT_DELIVERY_POLICY, jitter: 0 }
    const delays = Array.from({ length: 11 }, (_, i) => nextRetryDelay(i + 1, { policy: p }))
    expect(delays).toEqual([5e3, 3e5, 18e5, 72e5, 18e6, 36e6, 504e5, 72e6, 864e5, null, null])
    expect(nextRetryDelay(0, { policy: p })).toBe(0)
  })
  it('applies jitter within ±10 %, Retry-After only lengthens, and the time factor scales all', () => {
    expect(nextRetryDelay(2, { random: () => 0 })).toBe(270_000)
    expect(nextRetryDelay(2, { random: () => 1 })).toBe(330_000)
    expect(nextRetryDelay(1, { retryAfterMs: 60_000, random: () => 0.5 })).toBe(60_000)
    expect(nextRetryDelay(1, { retryAfterMs: 1000, random: () => 0.5 })).toBe(5000)
    expect(
      nextRetryDelay(3, { policy: { timeFactor: 0.001, jitter: 0, maxRetryAfterMs: 1 }, random: () => 0.5 }),
    ).toBe(1800)
  })
})
