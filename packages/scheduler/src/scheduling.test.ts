/**
 * Scheduling logic on real PostgreSQL and Redis with a tiny in-test provider (fake-provider.ts). The
 * end-to-end proofs against the real providers and cloudsim live in test/*.test.ts of this package.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import { AppError, createLogger } from '@cms/core'
import { createTestDatabase, testVault, type TestDatabase } from '@cms/db/testing'
import { ACTIVE_QUEUES, schedulerIds, type ActiveQueue } from './catalog'
import { reconcileSchedules } from './schedules'
import { startWorker, type StartedWorker } from './worker'
import { addFakeResource, fakeCloud, fakeRegistry, fakeValue, FAKE_DEFS } from './testing/fake-provider'
import { createTenantWithAccount } from './testing/factories'
import { uniquePrefix } from './testing/harness'

const REDIS = 'redis://127.0.0.1:6379'
let db: TestDatabase
const vault = testVault()
const log = createLogger({ name: 'test', level: 'silent' })
const fast = {
  schedule: {
    discoveryIntervalMs: 1000,
    metricsIntervalMs: 1000,
    credentialFailuresBeforeBackoff: 2,
    credentialBackoffMs: 3600_000,
  },
}

beforeAll(async () => {
  db = await createTestDatabase()
})
afterAll(async () => db?.drop())

function queuesFor(prefix: string, redis: Redis) {
  return Object.fromEntries(
    ACTIVE_QUEUES.map((q) => [q, new Queue(q, { connection: redis, prefix: `{${prefix}}` })]),
  ) as Record<ActiveQueue, Queue>
}

async function until<T>(
  fn: () => Promise<T | undefined | null | false>,
  ms = 20_000,
  step = 200,
): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > end) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, step))
  }
}

describe('schedule reconciliation', () => {
  it('creates schedulers from the database, follows settings and pause, and heals a flushed Redis', async () => {
    const prefix = uniquePrefix()
    const redis = new Redis(REDIS, { maxRetriesPerRequest: null })
    const queues = queuesFor(prefix, redis)
    try {
      const { account } = await createTenantWithAccount(db.worker, vault, {
        settings: { schedule: { metricsIntervalMs: 5000 } },
      })
      await reconcileSchedules(db.worker, queues)
      const metrics = await queues.metrics.getJobSchedulers(0, -1)
      expect(metrics.find((s) => s.key === schedulerIds.metrics(account.id))?.every).toBe(5000)
      const disc = await queues.discovery.getJobSchedulers(0, -1)
      expect(disc.find((s) => s.key === schedulerIds.discovery(account.id))?.every).toBe(60_000)
      const billing = await queues.billing.getJobSchedulers(0, -1)
      expect(billing.find((s) => s.key === schedulerIds.billing(account.id))?.every).toBe(8 * 3600_000)
      // Idempotent.
      expect((await reconcileSchedules(db.worker, queues, { accountId: account.id })).upserted).toBe(0)

      // Flushing Redis loses the schedulers; the next reconcile recreates them.
      const keys = await redis.keys(`{${prefix}}:*`)
      if (keys.length) await redis.del(...keys)
      expect(await queues.metrics.getJobSchedulersCount()).toBe(0)
      await reconcileSchedules(db.worker, queues)
      expect(
        (await queues.metrics.getJobSchedulers(0, -1)).some(
          (s) => s.key === schedulerIds.metrics(account.id),
        ),
      ).toBe(true)

      // Paused → removed; credential backoff → hourly discovery only.
      await db.worker.cloudAccount.update({ where: { id: account.id }, data: { pausedAt: new Date() } })
      await reconcileSchedules(db.worker, queues, { accountId: account.id })
      expect(
        (await queues.metrics.getJobSchedulers(0, -1)).some(
          (s) => s.key === schedulerIds.metrics(account.id),
        ),
      ).toBe(false)
      await db.worker.cloudAccount.update({
        where: { id: account.id },
        data: { pausedAt: null, status: 'error', lastErrorCode: 'credentials_invalid', consecutiveFails: 3 },
      })
      await reconcileSchedules(db.worker, queues, { accountId: account.id })
      expect(
        (await queues.metrics.getJobSchedulers(0, -1)).some(
          (s) => s.key === schedulerIds.metrics(account.id),
        ),
      ).toBe(false)
      expect(
        (await queues.discovery.getJobSchedulers(0, -1)).find(
          (s) => s.key === schedulerIds.discovery(account.id),
        )?.every,
      ).toBe(3600_000)
      // Deleted account → its schedulers go.
      await db.worker.cloudAccount.delete({ where: { id: account.id } })
      await reconcileSchedules(db.worker, queues)
      expect(
        (await queues.discovery.getJobSchedulers(0, -1)).some(
          (s) => s.key === schedulerIds.discovery(account.id),
        ),
      ).toBe(false)
    } finally {
      await Promise.all(Object.values(queues).map((q) => q.obliterate({ force: true }).catch(() => {})))
      await Promise.all(Object.values(queues).map((q) => q.close()))
      await redis.quit()
    }
  })
})

describe('worker with an in-test provider', () => {
  let worker: StartedWorker | undefined
  afterAll(async () => worker?.stop())

  it('discovers, diffs, polls without gaps or duplicates, and writes account status', async () => {
    const cloud = fakeCloud()
    const now = Date.now()
    addFakeResource(cloud, 'i-a')
    addFakeResource(cloud, 'i-b')
    addFakeResource(cloud, 'i-west', { region: 'us-west-2' })
    const { tenant, account } = await createTenantWithAccount(db.worker, vault, {
      settings: fast,
      regions: ['us-east-1', 'us-west-2'],
    })
    const prefix = uniquePrefix()
    worker = await startWorker({
      databaseUrl: db.url,
      redisUrl: REDIS,
      queuePrefix: prefix,
      vault,
      providers: fakeRegistry(cloud),
      logger: log,
      httpPort: 0,
      reconcileIntervalMs: 2000,
      shutdownGraceMs: 2000,
      global: { rollupMs: 1000 },
    })
    const live = () =>
      db.worker.resource.findMany({
        where: { tenantId: tenant.id, terminatedAt: null },
        orderBy: { nativeId: 'asc' },
      })
    await until(async () => (await live()).length === 3)

    // New resource → inserted and polled; gone → terminated; failed region → untouched.
    addFakeResource(cloud, 'i-new', { bornMs: now - 5 * 60_000 })
    cloud.resources.delete('i-b')
    cloud.resources.delete('i-west')
    cloud.regionErrors.set('us-west-2', {
      region: 'us-west-2',
      code: 'access_denied',
      message: 'denied in us-west-2',
    })
    await until(async () => (await live()).map((r) => r.nativeId).join() === 'i-a,i-new,i-west')
    const b = await db.worker.resource.findFirst({ where: { tenantId: tenant.id, nativeId: 'i-b' } })
    expect(b?.state).toBe('terminated')
    expect(b?.terminatedAt).toBeInstanceOf(Date)
    const events = await db.worker.resourceEvent.findMany({
      where: { tenantId: tenant.id },
      orderBy: { id: 'asc' },
    })
    expect(events.filter((e) => e.type === 'resource.created')).toHaveLength(4)
    expect(events.filter((e) => e.type === 'resource.terminated')).toHaveLength(1)

    // Metrics: wait for the watermark, then every minute in the stored range is present once, with the truth.
    const wm = await until(async () =>
      db.worker.metricWatermark.findFirst({ where: { tenantId: tenant.id, region: 'us-east-1' } }),
    )
    const newRes = (await live()).find((r) => r.nativeId === 'i-new')!
    await until(
      async () =>
        (await db.worker.metricSeries.count({ where: { resourceId: newRes.id } })) === FAKE_DEFS.length,
    )
    const rows = await db
      .pool('cms_worker')
      .query<{ native_id: string; metric: string; ts: Date; value: number }>(
        `SELECT r.native_id, s.metric, p.ts, p.value FROM ts.metric_points p JOIN metric_series s ON s.id = p.series_id JOIN resource r ON r.id = s.resource_id
       WHERE p.tenant_id = $1 AND p.ts < $2`,
        [tenant.id, wm.highWater],
      )
    const byKey = new Map<string, number>()
    for (const r of rows.rows) {
      const k = `${r.native_id}|${r.metric}|${r.ts.getTime()}`
      expect(byKey.has(k)).toBe(false)
      byKey.set(k, r.value)
      expect(r.value).toBe(fakeValue(r.native_id, r.metric, r.ts.getTime() / 60_000))
    }
    // i-a has a contiguous run of minutes up to the first watermark.
    const aMinutes = rows.rows
      .filter((r) => r.native_id === 'i-a' && r.metric === 'CPUUtilization')
      .map((r) => r.ts.getTime())
      .sort()
    expect(aMinutes.length).toBeGreaterThanOrEqual(15)
    for (let i = 1; i < aMinutes.length; i++) expect(aMinutes[i]! - aMinutes[i - 1]!).toBe(60_000)

    // Rollups follow.
    await until(async () => {
      const r = await db
        .pool('cms_worker')
        .query('SELECT count(*)::int AS n FROM ts.metric_points_5m WHERE tenant_id = $1', [tenant.id])
      return r.rows[0].n > 0
    })

    // Health and metrics endpoints.
    const health = await fetch(`http://127.0.0.1:${worker.httpPort}/healthz`)
    expect(health.status).toBe(200)
    const prom = await (await fetch(`http://127.0.0.1:${worker.httpPort}/metrics`)).text()
    expect(prom).toMatch(/cms_points_written_total \d+/)
    expect(prom).toContain('cms_queue_jobs')

    // Ledger: calls counted per hour.
    const ledger = await db.worker.apiCallLedger.findMany({ where: { tenantId: tenant.id } })
    expect(ledger.some((l) => l.operation === 'GetMetricData' && l.calls > 0)).toBe(true)

    // Credentials revoked → error with the cloud's message, then backoff; fixed → recovers.
    cloud.failWith = new AppError(
      'credentials_invalid',
      'The security token included in the request is invalid.',
    )
    const errored = await until(async () => {
      const a = await db.worker.cloudAccount.findUnique({ where: { id: account.id } })
      return a && a.status === 'error' && a.consecutiveFails >= 2 ? a : null
    })
    expect(errored.lastErrorCode).toBe('credentials_invalid')
    expect(errored.lastError).toBe('The security token included in the request is invalid.')
    expect(errored.lastErrorAt).toBeInstanceOf(Date)
    const q = worker.runtime.queues
    await until(
      async () =>
        (await q.discovery.getJobSchedulers(0, -1)).find((s) => s.key === schedulerIds.discovery(account.id))
          ?.every === 3600_000,
    )
    expect(
      (await q.metrics.getJobSchedulers(0, -1)).some((s) => s.key === schedulerIds.metrics(account.id)),
    ).toBe(false)
    cloud.failWith = undefined
    // What the web app does after the user fixes the credentials.
    const { createNotifier } = await import('./notify')
    const n = createNotifier({ redisUrl: REDIS, queuePrefix: prefix })
    await db.worker.cloudAccount.update({
      where: { id: account.id },
      data: { status: 'pending', consecutiveFails: 0 },
    })
    await n.notifyAccountChanged({ tenantId: tenant.id, accountId: account.id })
    await n.close()
    const ok = await until(async () => {
      const a = await db.worker.cloudAccount.findUnique({ where: { id: account.id } })
      return a?.status === 'ok' ? a : null
    })
    expect(ok.lastSuccessAt!.getTime()).toBeGreaterThan(errored.lastErrorAt!.getTime())
    await until(
      async () =>
        (await q.metrics.getJobSchedulers(0, -1)).find((s) => s.key === schedulerIds.metrics(account.id))
          ?.every === 1000,
    )
  }, 90_000)
})
