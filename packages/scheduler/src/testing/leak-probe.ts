/**
 * Memory probe (not a test): in-process worker on the cloudsim scale world, N metrics cycles, heap after a
 * forced GC per cycle. `node --expose-gc --import tsx src/testing/leak-probe.ts <resources> [aws|azure|gcp]`.
 * Tenants are on the enterprise plan (no monitored-resource cap). LEAK_SNAPSHOT_DIR=dir writes heap
 * snapshots after cycles 2 and 7 to diff (what was retained in between).
 */
import { randomUUID } from 'node:crypto'
import { writeHeapSnapshot } from 'node:v8'
import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import { startCloudSim } from '@cms/cloudsim'
import { createLogger } from '@cms/core'
import { createTenant, createTestDatabase, testVault } from '@cms/db/testing'
import { startWorker } from '../worker'
import { realProviders } from './registry'
import { connectSimAccount, dropQueuePrefix, until } from './harness'

const mb = (n: number) => Math.round(n / 1048576)
const gcHeap = () => {
  ;(globalThis as { gc?: () => void }).gc?.()
  return mb(process.memoryUsage().heapUsed)
}
const sim = await startCloudSim({
  seed: 1,
  scenario: 'scale',
  resources: Number(process.argv[2] ?? 3000),
  port: 0,
})
const db = await createTestDatabase()
const vault = testVault()
const prefix = `leak-${randomUUID().slice(0, 6)}`
const accounts: Array<{ tenantId: string; accountId: string }> = []
const only = process.argv[3]
for (const a of sim.control.accounts()) {
  if (only && a.cloud !== only) continue
  const t = await createTenant(db.worker)
  await db.worker.organization.update({
    where: { id: t.id },
    data: {
      planId: 'enterprise',
      settings: {
        schedule: {
          discoveryIntervalMs: 3600_000,
          metricsIntervalMs: 3600_000,
          billingIntervalMs: 86_400_000,
        },
      },
    },
  })
  const acc = await connectSimAccount(db.worker, vault, t.id, a)
  accounts.push({ tenantId: t.id, accountId: acc.id })
}
console.log('heap before worker', gcHeap())
const w = await startWorker({
  databaseUrl: db.url,
  redisUrl: 'redis://127.0.0.1:6379',
  queuePrefix: prefix,
  vault,
  providers: await realProviders(),
  endpoints: {
    aws: sim.urls.aws,
    azure: sim.urls.azure,
    gcp: sim.urls.gcp,
    ncp: sim.urls.ncp,
    caPem: sim.caCertPem,
  },
  logger: createLogger({ name: 'w', level: 'error' }),
  now: () => new Date(Date.now() + sim.control.clock().offsetMs),
  dbPoolMax: 4,
})
const redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: null })
const q = new Queue('metrics', { connection: redis, prefix: `{${prefix}}` })
await until(
  async () => (await db.worker.resource.count()) > 0 && (await q.getActiveCount()) === 0,
  120_000,
  1000,
)
await new Promise((r) => setTimeout(r, 5000))
console.log('heap after discovery', gcHeap())
for (let i = 0; i < 8; i++) {
  sim.control.advanceClock(300_000)
  await q.addBulk(
    accounts.map((a) => ({ name: 'metrics.tick', data: a, opts: { jobId: `c${i}/${a.accountId}` } })),
  )
  await new Promise((r) => setTimeout(r, 1000))
  await until(
    async () =>
      (await q.getActiveCount()) + (await q.getWaitingCount()) + (await q.getPrioritizedCount()) === 0,
    120_000,
    200,
  )
  console.log('cycle', i, 'heap', gcHeap(), 'rss', mb(process.memoryUsage().rss))
  if (process.env.LEAK_SNAPSHOT_DIR && (i === 2 || i === 7))
    console.log('snapshot', writeHeapSnapshot(`${process.env.LEAK_SNAPSHOT_DIR}/cycle-${i}.heapsnapshot`))
}
await w.stop()
await q.close()
await redis.quit()
await dropQueuePrefix(prefix)
await sim.stop()
await db.drop()
process.exit(0)
