/**
 * Done-when (2): 0 lost and 0 duplicate points after kill -9 of a worker mid-job, a Redis restart,
 * PostgreSQL unavailable for 30 s, and 50 % throttling — each compared with the simulator's
 * deterministic values. The simulator clock runs at 60× so 5-minute periods pass in 5 s; the worker's
 * clock follows it. Redis and PostgreSQL faults use a private redis-server and a TCP proxy, never the
 * shared services.
 */
import type { ChildProcess } from 'node:child_process'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type pg from 'pg'
import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import { startCloudSim } from '@cms/cloudsim'
import { createLogger, LocalKeyring } from '@cms/core'
import { createTestDatabase, testVault, type TestDatabase } from '@cms/db/testing'
import type { ProviderRegistry } from '@cms/providers'
import {
  minMark,
  pgProxy,
  privateRedis,
  runClock,
  spawnWorker,
  verifyAgainstTruth,
} from '../src/testing/fault-harness'
import { connectSimAwsAccount, REDIS_URL, testPool, uniquePrefix, until } from '../src/testing/harness'
import { realProviders } from '../src/testing/registry'
import { startWorker, type StartedWorker } from '../src/worker'

const SPEED = 60_000 // simulated ms per real second
const PERIOD = 300_000
const keySpec = LocalKeyring.generateKeySpec('fault1')
const vault = testVault(keySpec)
const settings = { schedule: { discoveryIntervalMs: 2000, metricsIntervalMs: 1000 } }
let db: TestDatabase
let pool: pg.Pool
let providers: ProviderRegistry
const cleanups: Array<() => Promise<unknown> | unknown> = []

beforeAll(async () => {
  db = await createTestDatabase()
  pool = testPool(db.url)
  providers = await realProviders()
})
afterEach(async () => {
  while (cleanups.length) await Promise.resolve(cleanups.pop()!()).catch(() => {})
})
afterAll(async () => {
  await pool?.end()
  await db?.drop()
})

async function world() {
  const sim = await startCloudSim({ seed: 11, scenario: 'minimal', port: 0 })
  cleanups.push(() => sim.stop())
  const t = await connectSimAwsAccount(db.worker, vault, sim, settings)
  // Workers of later tests reconcile every account in the database: remove this one when done.
  cleanups.unshift(() => db.worker.organization.delete({ where: { id: t.tenant.id } }))
  const clock = runClock(sim, SPEED)
  cleanups.push(() => clock.stop())
  const endpoints = { aws: sim.urls.aws, azure: sim.urls.azure, gcp: sim.urls.gcp, caPem: sim.caCertPem }
  const simNow = () => Date.now() + sim.control.clock().offsetMs
  return { sim, tenant: t.tenant, account: t.account, acct: t.sim, endpoints, simNow }
}

function inProcessWorker(
  w: Awaited<ReturnType<typeof world>>,
  o: { redisUrl?: string; databaseUrl?: string; prefix: string },
): Promise<StartedWorker> {
  return startWorker({
    databaseUrl: o.databaseUrl ?? db.url,
    redisUrl: o.redisUrl ?? REDIS_URL,
    queuePrefix: o.prefix,
    vault,
    providers,
    endpoints: w.endpoints,
    logger: createLogger({ name: 'worker', level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    reconcileIntervalMs: 2000,
    shutdownGraceMs: 2000,
    lockDurationMs: 5000,
    dbPoolMax: 4,
    now: () => new Date(w.simNow()),
  })
}

/** Runs until every region's watermark passes `after` by `periods` periods; returns the lowest mark. */
async function markPast(w: Awaited<ReturnType<typeof world>>, after: number, periods = 3, ms = 90_000) {
  return until(async () => {
    const m = await minMark(pool, w.tenant.id, ['ec2.instance', 'rds.instance', 'rds.cluster', 'nat_gateway'])
    return m !== null && m >= after + periods * PERIOD ? m : null
  }, ms)
}

async function expectExact(w: Awaited<ReturnType<typeof world>>, from: number, to: number) {
  const v = await verifyAgainstTruth(pool, w.sim, providers, w.tenant.id, from, to)
  console.log(
    `[faults] ${expect.getState().currentTestName}: ${v.expected} expected points over ${(to - from) / PERIOD} periods × ${v.resources} resources — missing ${v.missing}, duplicates ${v.duplicates}, wrong ${v.wrong}`,
  )
  expect(v.examples).toEqual([])
  expect(v.expected).toBeGreaterThan(v.resources * ((to - from) / PERIOD) * 3)
  expect(v.missing).toBe(0)
  expect(v.duplicates).toBe(0)
  expect(v.wrong).toBe(0)
}

describe('fault tolerance: 0 lost, 0 duplicate points', () => {
  it('kill -9 of a worker mid-job', async () => {
    const w = await world()
    const prefix = uniquePrefix()
    // Slow metric calls so the kill lands while a fetch is running.
    w.sim.control.addFault({ cloud: 'aws', api: 'cloudwatch', latencyMs: 1500 })
    const opts = {
      databaseUrl: db.url,
      redisUrl: REDIS_URL,
      queuePrefix: prefix,
      keySpec,
      endpoints: w.endpoints,
      controlUrl: w.sim.urls.control,
      lockDurationMs: 5000,
    }
    let child: ChildProcess | undefined = await spawnWorker(opts)
    cleanups.push(() => child?.kill('SIGKILL'))
    const start = await markPast(w, 0, 0)
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null })
    const metrics = new Queue('metrics', { connection: redis, prefix: `{${prefix}}` })
    cleanups.push(
      async () => (
        await metrics.obliterate({ force: true }).catch(() => {}),
        await metrics.close(),
        await redis.quit()
      ),
    )
    await until(async () => (await metrics.getActiveCount()) > 0, 30_000, 50)
    const victim = child
    const exited = new Promise<NodeJS.Signals | null>((r) =>
      victim.once('exit', (_code, signal) => r(signal)),
    )
    victim.kill('SIGKILL')
    expect(await exited).toBe('SIGKILL')
    const killedAt = w.simNow()
    // The job it held is still "active" under a lock nobody renews; the next worker recovers it.
    expect(await metrics.getActiveCount()).toBeGreaterThan(0)
    await new Promise((r) => setTimeout(r, 1000))
    child = await spawnWorker(opts)
    const end = await markPast(w, killedAt, 4)
    await expectExact(w, start, end)
  }, 180_000)

  it('Redis restart (all queues and schedulers lost)', async () => {
    const w = await world()
    const redis = await privateRedis()
    cleanups.push(() => redis.stop())
    const worker = await inProcessWorker(w, { redisUrl: redis.url, prefix: uniquePrefix() })
    cleanups.push(() => worker.stop())
    const start = await markPast(w, 0, 0)
    await markPast(w, start, 2)
    redis.kill()
    await new Promise((r) => setTimeout(r, 5000))
    await redis.start()
    const back = w.simNow()
    const end = await markPast(w, back, 4)
    await expectExact(w, start, end)
  }, 180_000)

  it('PostgreSQL unavailable for 30 s', async () => {
    const w = await world()
    const proxy = await pgProxy()
    cleanups.push(() => proxy.close())
    const worker = await inProcessWorker(w, { databaseUrl: proxy.url(db.url), prefix: uniquePrefix() })
    cleanups.push(() => worker.stop())
    const start = await markPast(w, 0, 0)
    await markPast(w, start, 2)
    proxy.cut()
    await new Promise((r) => setTimeout(r, 30_000))
    proxy.restore()
    const back = w.simNow()
    const end = await markPast(w, back, 4, 120_000)
    await expectExact(w, start, end)
  }, 240_000)

  it('50 % throttling from the cloud', async () => {
    const w = await world()
    w.sim.control.addFault({ cloud: 'aws', throttleRate: 0.5 })
    const worker = await inProcessWorker(w, { prefix: uniquePrefix() })
    cleanups.push(() => worker.stop())
    const start = await markPast(w, 0, 0, 120_000)
    const end = await markPast(w, start, 6, 120_000)
    await expectExact(w, start, end)
    const calls = w.sim.control.calls()
    expect(calls.rows.some((r) => r.calls > 0)).toBe(true)
  }, 240_000)
})
