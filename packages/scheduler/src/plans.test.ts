/**
 * Plans are data: schedules follow the tenant's `plan` row (minimum poll interval), a suspended /
 * cancelled marketplace subscription removes the account's schedules (data kept) and resuming brings
 * them back, and metrics are polled only for the tenant's first N resources by (first_seen_at, id) —
 * @cms/marketplace's rule, the one the web labels with. Real PostgreSQL + Redis, in-test provider.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import { createLogger } from '@cms/core'
import { createTestDatabase, testVault, type TestDatabase } from '@cms/db/testing'
import { ACTIVE_QUEUES, schedulerIds, type ActiveQueue } from './catalog'
import { createNotifier } from './notify'
import { reconcileSchedules } from './schedules'
import { startWorker, type StartedWorker } from './worker'
import { addFakeResource, fakeCloud, fakeRegistry, FAKE_DEFS } from './testing/fake-provider'
import { createTenantWithAccount, ensureTestPlan } from './testing/factories'
import { uniquePrefix, until } from './testing/harness'

const REDIS = 'redis://127.0.0.1:6379'
let db: TestDatabase
let worker: StartedWorker | undefined
const vault = testVault()
const log = createLogger({ name: 'test', level: 'silent' })

beforeAll(async () => {
  db = await createTestDatabase()
})
afterAll(async () => {
  await worker?.stop()
  await db?.drop()
})

const every = async (q: Queue, key: string) =>
  (await q.getJobSchedulers(0, -1)).find((s) => s.key === key)?.every

describe('plans', () => {
  it('raises intervals to the plan minimum, and follows the marketplace subscription', async () => {
    const prefix = uniquePrefix()
    const redis = new Redis(REDIS, { maxRetriesPerRequest: null })
    const queues = Object.fromEntries(
      ACTIVE_QUEUES.map((q) => [q, new Queue(q, { connection: redis, prefix: `{${prefix}}` })]),
    ) as Record<ActiveQueue, Queue>
    try {
      const slow = await ensureTestPlan(db.worker, 'slow', { minPollSeconds: 300 })
      const { tenant, account } = await createTenantWithAccount(db.worker, vault, {
        planId: slow,
        settings: { schedule: { metricsIntervalMs: 5000, discoveryIntervalMs: 600_000 } },
      })
      await reconcileSchedules(db.worker, queues)
      expect(await every(queues.metrics, schedulerIds.metrics(account.id))).toBe(300_000) // 5 s asked, plan minimum 300 s
      expect(await every(queues.discovery, schedulerIds.discovery(account.id))).toBe(600_000) // slower than the minimum: kept
      expect(await every(queues.billing, schedulerIds.billing(account.id))).toBe(8 * 3600_000)

      // The plan row changes (an operator edits it): the next reconcile follows.
      await ensureTestPlan(db.worker, 'slow', { minPollSeconds: 60 })
      await reconcileSchedules(db.worker, queues)
      expect(await every(queues.metrics, schedulerIds.metrics(account.id))).toBe(60_000)

      // Suspended subscription → no schedules (the account and its data stay); reinstated → back.
      const sub = await db.worker.marketplaceSubscription.create({
        data: {
          id: randomUUID(),
          tenantId: tenant.id,
          source: 'aws',
          externalId: `ext-${randomBytes(3).toString('hex')}`,
          planId: slow,
          status: 'active',
        },
      })
      await reconcileSchedules(db.worker, queues, { tenantId: tenant.id })
      expect(await every(queues.metrics, schedulerIds.metrics(account.id))).toBe(60_000)
      await db.worker.marketplaceSubscription.update({ where: { id: sub.id }, data: { status: 'suspended' } })
      const r = await reconcileSchedules(db.worker, queues, { tenantId: tenant.id })
      expect(r.removed).toBe(3)
      for (const [q, id] of [
        [queues.discovery, schedulerIds.discovery(account.id)],
        [queues.metrics, schedulerIds.metrics(account.id)],
        [queues.billing, schedulerIds.billing(account.id)],
      ] as const) {
        expect(await every(q, id)).toBeUndefined()
      }
      expect(await db.worker.cloudAccount.count({ where: { id: account.id } })).toBe(1)
      await db.worker.marketplaceSubscription.update({ where: { id: sub.id }, data: { status: 'active' } })
      await reconcileSchedules(db.worker, queues)
      expect(await every(queues.metrics, schedulerIds.metrics(account.id))).toBe(60_000)
    } finally {
      await Promise.all(Object.values(queues).map((q) => q.obliterate({ force: true }).catch(() => {})))
      await Promise.all(Object.values(queues).map((q) => q.close()))
      await redis.quit()
    }
  })

  it('a running worker applies a subscription change on notifyTenantChanged', async () => {
    const prefix = uniquePrefix()
    const { tenant, account } = await createTenantWithAccount(db.worker, vault, {
      settings: { schedule: { discoveryIntervalMs: 60_000 } },
    })
    worker = await startWorker({
      databaseUrl: db.url,
      redisUrl: REDIS,
      queuePrefix: prefix,
      vault,
      providers: fakeRegistry(fakeCloud()),
      logger: log,
      shutdownGraceMs: 1000,
      queues: ['maintenance'],
    })
    const q = worker.runtime.queues
    expect(await every(q.discovery, schedulerIds.discovery(account.id))).toBe(60_000)
    await db.worker.marketplaceSubscription.create({
      data: {
        id: randomUUID(),
        tenantId: tenant.id,
        source: 'partner',
        externalId: `ext-${randomBytes(3).toString('hex')}`,
        planId: 'test',
        status: 'cancelled',
      },
    })
    const n = createNotifier({ redisUrl: REDIS, queuePrefix: prefix })
    await n.notifyTenantChanged({ tenantId: tenant.id })
    await n.close()
    await until(
      async () => (await every(q.discovery, schedulerIds.discovery(account.id))) === undefined,
      10_000,
      100,
    )
    await Promise.all(Object.values(q).map((x) => x.obliterate({ force: true }).catch(() => {})))
    await worker.stop()
    worker = undefined
  })

  it('polls only the first N resources by (first_seen_at, id); the rest are inventoried, not polled', async () => {
    const capped = await ensureTestPlan(db.worker, 'capped', { monitoredResources: 2 })
    const cloud = fakeCloud()
    for (const id of ['i-1', 'i-2', 'i-3', 'i-4']) addFakeResource(cloud, id)
    const { tenant } = await createTenantWithAccount(db.worker, vault, {
      planId: capped,
      settings: { schedule: { discoveryIntervalMs: 1000, metricsIntervalMs: 1000 } },
    })
    const prefix = uniquePrefix()
    worker = await startWorker({
      databaseUrl: db.url,
      redisUrl: REDIS,
      queuePrefix: prefix,
      vault,
      providers: fakeRegistry(cloud),
      logger: log,
      reconcileIntervalMs: 2000,
      shutdownGraceMs: 1000,
    })
    const resources = await until(async () => {
      const r = await db.worker.resource.findMany({ where: { tenantId: tenant.id } })
      return r.length === 4 ? r : null
    })
    const expected = [...resources]
      .sort(
        (a, b) =>
          a.firstSeenAt.getTime() - b.firstSeenAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
      )
      .slice(0, 2)
      .map((r) => r.id)
      .sort()
    const polled = async () =>
      (
        await db.worker.metricSeries.findMany({
          where: { tenantId: tenant.id },
          select: { resourceId: true },
        })
      ).map((s) => s.resourceId)
    await until(async () => (await polled()).length === 2 * FAKE_DEFS.length)
    // More fetches (1-second interval): still only those two.
    await new Promise((r) => setTimeout(r, 4000))
    expect([...new Set(await polled())].sort()).toEqual(expected)
    await worker.stop()
    worker = undefined
  }, 60_000)
})
