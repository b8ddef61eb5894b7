/**
 * Alerts in the pipeline, the failure cases: work committed but never queued is recovered, once.
 *   - a discovery's events whose evaluation job was lost (crash between commit and enqueue, Redis
 *     flush) are evaluated by the next discovery — one message, not zero, not two;
 *   - an outbox delivery that never got its job is sent by the sweeper;
 *   - a stale attempt job (the delivery was replayed meanwhile) sends nothing; the replay's job sends once.
 * Real PostgreSQL + Redis + a loopback receiver; in-test provider (scheduling logic only).
 */
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Webhook } from 'standardwebhooks'
import {
  createAlertRule,
  createWebhookEndpoint,
  DEFAULT_DELIVERY_POLICY,
  deliveryJobId,
  replayDelivery,
  sendTestWebhook,
  systemResolver,
  type UrlPolicy,
} from '@cms/alerts'
import { Receiver } from '@cms/alerts/testing/receiver'
import { createLogger } from '@cms/core'
import { forTenant } from '@cms/db'
import { createTestDatabase, testVault, type TestDatabase } from '@cms/db/testing'
import { ACTIVE_QUEUES, deliveryJobOptions } from './catalog'
import { startWorker, type StartedWorker, type WorkerOptions } from './worker'
import { addFakeResource, fakeCloud, fakeRegistry, type FakeCloud } from './testing/fake-provider'
import { createTenantWithAccount } from './testing/factories'
import { uniquePrefix, until } from './testing/harness'

const REDIS = 'redis://127.0.0.1:6379'
let db: TestDatabase
const vault = testVault()
const receiver = new Receiver()
const workers: StartedWorker[] = []
const urlPolicy: UrlPolicy = { allowPrivate: true, requireHttps: false, resolver: systemResolver }

beforeAll(async () => {
  ;[db] = await Promise.all([createTestDatabase(), receiver.start()])
})
afterAll(async () => {
  for (const w of workers) await w.stop()
  await receiver.stop()
  await db?.drop()
})

async function setup(cloud: FakeCloud) {
  const { tenant, account } = await createTenantWithAccount(db.worker, vault, {
    settings: { schedule: { discoveryIntervalMs: 1000, metricsIntervalMs: 60_000 } },
  })
  const tdb = forTenant(db.worker, tenant.id)
  const path = `/${randomBytes(4).toString('hex')}`
  const { endpoint, signingSecret } = await createWebhookEndpoint(
    tdb,
    vault,
    tenant.id,
    { format: 'standard', name: 'ops', url: receiver.url(path) },
    { urlPolicy },
  )
  const rule = await createAlertRule(tdb, tenant.id, {
    name: 'created',
    endpointIds: [endpoint.id],
    spec: { kind: 'inventory_event', events: ['resource.created'] },
  })
  const prefix = uniquePrefix()
  const start = async (o: Partial<WorkerOptions> = {}) => {
    const w = await startWorker({
      databaseUrl: db.url,
      redisUrl: REDIS,
      queuePrefix: prefix,
      vault,
      providers: fakeRegistry(cloud),
      logger: createLogger({ name: 'test', level: 'silent' }),
      shutdownGraceMs: 1000,
      webhooks: { urlPolicy, policy: { ...DEFAULT_DELIVERY_POLICY, jitter: 0 } },
      global: { webhookSweepMs: 500 },
      ...o,
    })
    workers.push(w)
    return w
  }
  const verifier = new Webhook(signingSecret)
  const messages = () =>
    receiver.received
      .filter((m) => m.path === path)
      .map(
        (m) =>
          verifier.verify(m.body, m.headers as Record<string, string>) as {
            type: string
            data: { labels: Record<string, string> }
          },
      )
  return { tenant, account, endpoint, rule, start, messages }
}

describe('alerting recovery', () => {
  it('events committed without their evaluation are evaluated by the next discovery, once', async () => {
    const cloud = fakeCloud()
    addFakeResource(cloud, 'i-old')
    const { tenant, start, messages } = await setup(cloud)
    // A worker that commits discoveries but whose evaluation jobs are lost (no alerts consumer, then the
    // queue is wiped — as after a crash between commit and enqueue, or a Redis flush).
    const w1 = await start({ queues: ACTIVE_QUEUES.filter((q) => q !== 'alerts') })
    await until(async () => (await db.worker.resource.count({ where: { tenantId: tenant.id } })) === 1)
    addFakeResource(cloud, 'i-new')
    await until(async () => (await db.worker.resource.count({ where: { tenantId: tenant.id } })) === 2)
    await w1.runtime.queues.alerts.obliterate({ force: true })
    await w1.stop()
    expect(messages()).toHaveLength(0)

    const w2 = await start()
    const first = await until(async () => messages()[0], 15_000, 50)
    expect(first.data.labels).toMatchObject({ event: 'resource.created', native_id: 'i-new' })
    // Baseline (i-old) never; i-new never twice, whatever the number of later discoveries.
    await new Promise((r) => setTimeout(r, 3000))
    expect(messages()).toHaveLength(1)
    // (Its sweeper scans the whole outbox; the next test's worker uses another queue prefix.)
    await w2.stop()
  }, 60_000)

  it('the sweeper sends an outbox delivery whose job was never queued; a stale attempt job sends nothing', async () => {
    const { tenant, endpoint, start, messages } = await setup(fakeCloud())
    const w = await start()
    // Committed to the outbox, never enqueued (the process died), overdue by more than the grace.
    const job = await sendTestWebhook(db.worker, tenant.id, endpoint.id)
    await db.worker.webhookDelivery.update({
      where: { id: job.deliveryId },
      data: { nextAttemptAt: new Date(Date.now() - 120_000) },
    })
    await until(async () => messages().length === 1, 15_000, 50)
    const d = await until(async () =>
      db.worker.webhookDelivery.findFirst({ where: { id: job.deliveryId, status: 'succeeded' } }),
    )
    expect(d.attempts).toBe(1)

    // Replayed (generation 1, pending again). A leftover job of generation 0 (its retry, queued before
    // the replay) must not send; the replay's own job does, once.
    const replay = await replayDelivery(forTenant(db.worker, tenant.id), tenant.id, job.deliveryId)
    await w.runtime.queues.webhooks.add(
      'webhook.deliver',
      { tenantId: tenant.id, deliveryId: job.deliveryId },
      deliveryJobOptions({ jobId: deliveryJobId(job.deliveryId, 0, 2), delayMs: 0 }),
    )
    await new Promise((r) => setTimeout(r, 1500))
    expect(messages()).toHaveLength(1)
    await w.runtime.queues.webhooks.add(
      'webhook.deliver',
      { tenantId: tenant.id, deliveryId: job.deliveryId },
      deliveryJobOptions(replay),
    )
    await until(async () => messages().length === 2, 15_000, 50)
    // The attempt row is committed right after the response arrives.
    const attempts = await until(async () => {
      const a = await db.worker.webhookAttempt.findMany({
        where: { deliveryId: job.deliveryId },
        select: { generation: true, attempt: true },
      })
      return a.length === 2 ? a : null
    })
    expect(attempts.map((a) => `${a.generation}/${a.attempt}`).sort()).toEqual(['0/1', '1/1'])
  }, 60_000)
})
