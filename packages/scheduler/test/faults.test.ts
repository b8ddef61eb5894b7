/**
 * Done-when (2): 0 lost and 0 duplicate points after kill -9 of a worker mid-job, a Redis restart,
 * PostgreSQL unavailable for 30 s, 50 % throttling, a slow cloud (2 s on every call), malformed cloud
 * responses, and two workers whose clocks are 90 s ahead / behind — each compared with the simulator's
 * deterministic values, and for the last three with the account row (status, last error) telling the
 * story. The simulator clock runs at 60× so 5-minute periods pass in 5 s; the worker's clock follows
 * it. Redis and PostgreSQL faults use a private redis-server and a TCP proxy, never the shared services.
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
import {
  connectSimAwsAccount,
  dropQueuePrefix,
  REDIS_URL,
  testPool,
  uniquePrefix,
  until,
} from '../src/testing/harness'
import { realProviders } from '../src/testing/registry'
import { MALFORMED_FAILURES_BEFORE_ERROR } from '../src/account-status'
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
  const endpoints = {
    aws: sim.urls.aws,
    azure: sim.urls.azure,
    gcp: sim.urls.gcp,
    ncp: sim.urls.ncp,
    caPem: sim.caCertPem,
  }
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

const TYPES = ['ec2.instance', 'rds.instance', 'rds.cluster', 'nat_gateway']

/** Runs until every region's watermark passes `after` by `periods` periods; returns the lowest mark. */
async function markPast(w: Awaited<ReturnType<typeof world>>, after: number, periods = 3, ms = 90_000) {
  return until(async () => {
    const m = await minMark(pool, w.tenant.id, TYPES)
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

interface AccountRow {
  status: string
  last_error_code: string | null
  last_error: string | null
  last_error_at: Date | null
  last_success_at: Date | null
  consecutive_fails: number
}

/** What the UI shows for the account: its row in cloud_account. */
async function accountRow(w: Awaited<ReturnType<typeof world>>): Promise<AccountRow> {
  const r = await pool.query<AccountRow>(
    `SELECT status::text AS status, last_error_code, last_error, last_error_at, last_success_at, consecutive_fails
     FROM cloud_account WHERE id = $1`,
    [w.account.id],
  )
  return r.rows[0]!
}

/** A fresh queue prefix whose Redis keys are removed when the test ends. */
function withKeysDropped(prefix: string) {
  // Cleanups run last-in first-out: registered before the worker, this runs after the worker stopped.
  cleanups.push(() => dropQueuePrefix(prefix))
  return prefix
}

async function stopChild(c: ChildProcess) {
  if (c.exitCode !== null || c.signalCode !== null) return
  const exited = new Promise((r) => c.once('exit', r))
  c.kill('SIGTERM')
  const t = setTimeout(() => c.kill('SIGKILL'), 10_000)
  await exited
  clearTimeout(t)
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('fault tolerance: 0 lost, 0 duplicate points', () => {
  it('kill -9 of a worker mid-job', async () => {
    const w = await world()
    const prefix = withKeysDropped(uniquePrefix())
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
    const worker = await inProcessWorker(w, {
      databaseUrl: proxy.url(db.url),
      prefix: withKeysDropped(uniquePrefix()),
    })
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
    const worker = await inProcessWorker(w, { prefix: withKeysDropped(uniquePrefix()) })
    cleanups.push(() => worker.stop())
    const start = await markPast(w, 0, 0, 120_000)
    const end = await markPast(w, start, 6, 120_000)
    await expectExact(w, start, end)
    const calls = w.sim.control.calls()
    expect(calls.rows.some((r) => r.calls > 0)).toBe(true)
  }, 240_000)

  it('slow cloud: 2 s latency on every call', async () => {
    const w = await world()
    w.sim.control.addFault({ cloud: 'aws', latencyMs: 2000 })
    const worker = await inProcessWorker(w, { prefix: withKeysDropped(uniquePrefix()) })
    cleanups.push(() => worker.stop())
    const t0 = Date.now()
    const start = await markPast(w, 0, 0, 120_000)
    const end = await markPast(w, start, 4, 120_000)
    console.log(`[faults] slow cloud: first points after ${Date.now() - t0} ms`)
    await expectExact(w, start, end)
    // Slow is not broken: the account never shows an error and its last success is recent.
    const a = await accountRow(w)
    expect(a).toMatchObject({ status: 'ok', last_error_code: null, last_error: null, consecutive_fails: 0 })
    expect(a.last_success_at!.getTime()).toBeGreaterThan(start)
  }, 240_000)

  it('malformed cloud responses: the account shows the error, recovers, and the gap is backfilled', async () => {
    const w = await world()
    const worker = await inProcessWorker(w, { prefix: withKeysDropped(uniquePrefix()) })
    cleanups.push(() => worker.stop())
    const start = await markPast(w, 0, 0)
    await markPast(w, start, 2)
    expect(await accountRow(w)).toMatchObject({ status: 'ok', last_error_code: null, consecutive_fails: 0 })

    // Nine of every ten AWS answers (every API: EC2, RDS, CloudWatch) come back cut in half.
    const faultAt = w.simNow()
    const markAtFault = (await minMark(pool, w.tenant.id, TYPES))!
    const fault = w.sim.control.addFault({ cloud: 'aws', malformedRate: 0.9 })
    // While it happens, the account says so: the cloud's answers were malformed, and after a few
    // consecutive failures (MALFORMED_FAILURES_BEFORE_ERROR) the account is in 'error' — unlike
    // throttling and 5xx, which leave the status alone.
    const during = await until(async () => {
      const a = await accountRow(w)
      return a.last_error_code === 'bad_response' && a.status === 'error' ? a : null
    }, 60_000)
    expect(during.consecutive_fails).toBeGreaterThanOrEqual(MALFORMED_FAILURES_BEFORE_ERROR)
    expect(during.last_error).toMatch(/malformed/i)
    expect(during.last_error_at!.getTime()).toBeGreaterThanOrEqual(faultAt)
    // Keep it up for at least 4 periods and until the metrics fell behind: a healthy watermark lags the
    // clock by the 10-minute convergence delay plus under a period; 20 minutes means periods went unread.
    // (Retries get some calls through, so how long that takes varies; 12 periods is the limit.)
    let worstLag = 0
    while (
      w.simNow() < faultAt + 4 * PERIOD ||
      (worstLag < 4 * PERIOD && w.simNow() < faultAt + 12 * PERIOD)
    ) {
      const m = await minMark(pool, w.tenant.id, TYPES)
      if (m !== null) worstLag = Math.max(worstLag, w.simNow() - m)
      await sleep(250)
    }
    expect(worstLag).toBeGreaterThanOrEqual(4 * PERIOD)
    const markAtRecovery = (await minMark(pool, w.tenant.id, TYPES))!
    const failsAtRecovery = (await accountRow(w)).consecutive_fails
    w.sim.control.removeFault(fault.id)
    const back = w.simNow()

    // Recovery: the next discovery success resets the failure count and the status; the last error
    // stays as history.
    const after = await until(async () => {
      const a = await accountRow(w)
      return a.status === 'ok' &&
        a.consecutive_fails === 0 &&
        a.last_success_at &&
        a.last_success_at.getTime() >= back
        ? a
        : null
    }, 60_000)
    expect(after).toMatchObject({ status: 'ok', last_error_code: 'bad_response' })
    expect(after.last_success_at!.getTime()).toBeGreaterThan(after.last_error_at!.getTime())
    const end = await markPast(w, back, 4)
    console.log(
      `[faults] malformed: ${(back - faultAt) / 60_000} simulated min of faults, ${failsAtRecovery} consecutive account failures, watermark ${(markAtRecovery - markAtFault) / 60_000} min forward during the fault (worst lag ${Math.round(worstLag / 60_000)} min)`,
    )
    // The stored points span the whole fault: what could not be read then was backfilled after.
    await expectExact(w, start, end)
    // Garbage never reads as "the resources are gone": no resource was marked terminated.
    const gone = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM resource_event WHERE tenant_id = $1 AND type = 'resource.terminated'`,
      [w.tenant.id],
    )
    expect(gone.rows[0]?.n).toBe(0)
  }, 240_000)

  it('clock skew: two workers, one 90 s ahead and one 90 s behind', async () => {
    const w = await world()
    const prefix = withKeysDropped(uniquePrefix())
    const opts = {
      databaseUrl: db.url,
      redisUrl: REDIS_URL,
      queuePrefix: prefix,
      keySpec,
      endpoints: w.endpoints,
      controlUrl: w.sim.urls.control,
      lockDurationMs: 5000,
    }
    const ahead = await spawnWorker({ ...opts, clockSkewMs: 90_000 })
    cleanups.push(() => stopChild(ahead))
    const behind = await spawnWorker({ ...opts, clockSkewMs: -90_000 })
    cleanups.push(() => stopChild(behind))
    const start = await markPast(w, 0, 0)
    // Watch the points below the live watermark while the two clocks take turns ticking and fetching.
    let transient = 0
    let watching = true
    const watch = (async () => {
      while (watching) {
        const m = await minMark(pool, w.tenant.id, TYPES)
        if (m !== null && m > start) {
          const v = await verifyAgainstTruth(pool, w.sim, providers, w.tenant.id, start, m)
          transient = Math.max(transient, v.missing)
        }
        await sleep(500)
      }
    })()
    let end: number
    try {
      end = await markPast(w, start, 6)
      // Every period below `end` has been asked again since (the re-read of the last periods).
      await markPast(w, end, 2)
    } finally {
      watching = false
      await watch
    }
    // A job ticked by the worker whose clock runs ahead and run by the one behind ends its window at the
    // running worker's clock (metrics-job), so the watermark never claims points that are not stored yet.
    console.log(`[faults] clock skew: worst hole below the live watermark ${transient} points`)
    expect(transient).toBe(0)
    await expectExact(w, start, end)
    // Both took part (the split is whatever BullMQ hands out).
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null })
    const by = new Map<string, number>()
    for (const name of ['metrics', 'discovery']) {
      const q = new Queue(name, { connection: redis, prefix: `{${prefix}}` })
      for (const j of await q.getCompleted(0, 9999)) {
        const who = (c: ChildProcess) => j.processedBy?.endsWith(`:${c.pid}`)
        const k = `${j.name}@${who(ahead) ? 'ahead' : who(behind) ? 'behind' : j.processedBy}`
        by.set(k, (by.get(k) ?? 0) + 1)
      }
      await q.close()
    }
    await redis.quit()
    console.log(`[faults] clock skew: jobs per worker ${JSON.stringify(Object.fromEntries(by))}`)
    expect([...by.keys()].some((k) => k.endsWith('@ahead'))).toBe(true)
    expect([...by.keys()].some((k) => k.endsWith('@behind'))).toBe(true)
    // Skew is not an error: the account row is clean.
    expect(await accountRow(w)).toMatchObject({ status: 'ok', last_error_code: null, consecutive_fails: 0 })
  }, 240_000)
})
