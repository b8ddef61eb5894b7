/** Fairness: a small account's metrics jobs get a better BullMQ priority than a big account's. */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import { createLogger } from '@cms/core'
import { createTestDatabase, testVault, type TestDatabase } from '@cms/db/testing'
import { ACTIVE_QUEUES, type ActiveQueue } from './catalog'
import { runMetricsTick } from './metrics-job'
import { DEFAULT_METRICS_TUNING, type Runtime } from './runtime'
import { SeriesCache } from './storage/series'
import { Telemetry } from './telemetry'
import { fakeCloud, fakeRegistry } from './testing/fake-provider'
import { createResources, createTenantWithAccount } from './testing/factories'
import { uniquePrefix } from './testing/harness'

let db: TestDatabase
const redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: null })
const prefix = `{${uniquePrefix()}}`
const queues = Object.fromEntries(
  ACTIVE_QUEUES.map((q) => [q, new Queue(q, { connection: redis, prefix })]),
) as Record<ActiveQueue, Queue>
beforeAll(async () => {
  db = await createTestDatabase()
})
afterAll(async () => {
  for (const q of Object.values(queues)) await q.obliterate({ force: true }).catch(() => {})
  for (const q of Object.values(queues)) await q.close()
  await redis.quit()
  await db?.drop()
})

it('gives a 5-resource tenant priority over a 5,000-resource tenant, and re-enqueueing a tick is a no-op', async () => {
  const vault = testVault()
  const big = await createTenantWithAccount(db.worker, vault)
  const small = await createTenantWithAccount(db.worker, vault)
  await createResources(db.worker, big.tenant.id, big.account.id, 5000)
  await createResources(db.worker, small.tenant.id, small.account.id, 5)
  const rt = {
    prisma: db.worker,
    providers: fakeRegistry(fakeCloud()),
    queues,
    tuning: DEFAULT_METRICS_TUNING,
    now: () => new Date(),
    log: createLogger({ name: 't', level: 'silent' }),
    series: new SeriesCache(),
    telemetry: new Telemetry(() => []),
  } as unknown as Runtime
  await runMetricsTick(rt, { tenantId: big.tenant.id, accountId: big.account.id })
  await runMetricsTick(rt, { tenantId: small.tenant.id, accountId: small.account.id })
  await runMetricsTick(rt, { tenantId: small.tenant.id, accountId: small.account.id })
  const jobs = await queues.metrics.getJobs(['prioritized', 'waiting'])
  expect(jobs).toHaveLength(2)
  const prio = (t: string) => jobs.find((j) => j.data.tenantId === t)!.opts.priority!
  expect(prio(small.tenant.id)).toBeLessThan(prio(big.tenant.id))
  // The next job BullMQ hands out is the small tenant's, although it was enqueued last.
  const next = await queues.metrics.getPrioritized(0, 0)
  expect(next[0]?.data.tenantId).toBe(small.tenant.id)
})
