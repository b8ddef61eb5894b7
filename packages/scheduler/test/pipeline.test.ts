/**
 * Done-when (1): real Redis + PostgreSQL + cloudsim + the real providers (official SDKs over HTTP).
 * A resource created in the simulator is stored with metrics within one discovery + one metrics
 * interval; a terminated one is marked; revoked credentials → error with the cloud's message, and the
 * account recovers when fixed. Short intervals come from the tenant's settings, not test-only code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type pg from 'pg'
import { startCloudSim, type CloudSim } from '@cms/cloudsim'
import { createLogger } from '@cms/core'
import { forTenant, replaceCloudAccountCredentials } from '@cms/db'
import { createTestDatabase, testVault, type TestDatabase } from '@cms/db/testing'
import { createNotifier } from '../src/notify'
import { realProviders } from '../src/testing/registry'
import { startWorker, type StartedWorker } from '../src/worker'
import { connectSimAwsAccount, REDIS_URL, testPool, uniquePrefix, until } from '../src/testing/harness'

const DISCOVERY_MS = 2000
const METRICS_MS = 2000
let sim: CloudSim
let db: TestDatabase
let worker: StartedWorker | undefined
let pool: pg.Pool
const vault = testVault()

beforeAll(async () => {
  ;[sim, db] = await Promise.all([
    startCloudSim({ seed: 7, scenario: 'minimal', port: 0 }),
    createTestDatabase(),
  ])
  pool = testPool(db.url)
})
afterAll(async () => {
  await worker?.stop()
  await sim?.stop()
  await pool?.end()
  await db?.drop()
})

describe('pipeline against cloudsim', () => {
  it('discovers, polls, marks terminated, and tracks credential errors and recovery', async () => {
    const prefix = uniquePrefix()
    const {
      tenant,
      account,
      sim: acct,
    } = await connectSimAwsAccount(db.worker, vault, sim, {
      schedule: { discoveryIntervalMs: DISCOVERY_MS, metricsIntervalMs: METRICS_MS },
    })
    const simNow = () => new Date(Date.now() + sim.control.clock().offsetMs)
    worker = await startWorker({
      databaseUrl: db.url,
      redisUrl: REDIS_URL,
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
      logger: createLogger({ name: 'worker', level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
      reconcileIntervalMs: 5000,
      shutdownGraceMs: 2000,
      dbPoolMax: 4,
      now: simNow,
    })
    const native = acct.nativeIds[0]!
    const simLive = () =>
      sim.control
        .resources({ cloud: 'aws', account: native })
        .filter((r) => r.state !== 'terminated' && r.state !== 'absent')
    const live = () => db.worker.resource.findMany({ where: { tenantId: tenant.id, terminatedAt: null } })
    await until(async () => (await live()).length === simLive().length && simLive().length > 0, 60_000)

    // A new instance: in the database with metric points within one discovery + one metrics interval
    // (plus job latency). The simulator clock moves 20 minutes: CloudWatch data converges 10 minutes after a
    // 5-minute period, so the newest converged period then ends 5–10 minutes after the creation and holds
    // complete minutes of the new instance wherever in its 5-minute period the creation fell (with 15 the
    // period could end seconds after it: no point until the next period, 5 real minutes later).
    const region = acct.regions[0]!
    const created = sim.control.createResource({
      account: native,
      region,
      type: 'ec2.instance',
      name: 'brand-new',
    })
    sim.control.advanceClock(20 * 60_000)
    const t0 = Date.now()
    const stored = await until(
      async () => {
        const r = await db.worker.resource.findFirst({ where: { tenantId: tenant.id, nativeId: created.id } })
        if (!r) return null
        const n = await pool.query(
          'SELECT count(*)::int AS n FROM ts.metric_points p JOIN metric_series s ON s.id = p.series_id WHERE p.tenant_id = $1 AND s.resource_id = $2',
          [tenant.id, r.id],
        )
        return n.rows[0].n > 0 ? { r, points: n.rows[0].n as number } : null
      },
      30_000,
      100,
    )
    const elapsed = Date.now() - t0
    expect(stored.r.state).toBe('running')
    expect(elapsed).toBeLessThan(DISCOVERY_MS + METRICS_MS + 4000)
    const ev = await db.worker.resourceEvent.findFirst({
      where: { tenantId: tenant.id, resourceId: stored.r.id, type: 'resource.created' },
    })
    expect(ev).not.toBeNull()

    // Terminated in the cloud → marked, kept for history.
    sim.control.setResourceState(created.id, 'terminated')
    const gone = await until(async () =>
      db.worker.resource.findFirst({
        where: { tenantId: tenant.id, nativeId: created.id, terminatedAt: { not: null } },
      }),
    )
    expect(gone.state).toBe('terminated')
    expect(
      await db.worker.resourceEvent.count({ where: { resourceId: gone.id, type: 'resource.terminated' } }),
    ).toBe(1)

    // Credentials revoked → account in error with the cloud's own message.
    sim.control.revokeCredentials('aws', native)
    const errored = await until(async () => {
      const a = await db.worker.cloudAccount.findUnique({ where: { id: account.id } })
      return a?.status === 'error' ? a : null
    })
    expect(errored.lastErrorCode).toBe('credentials_invalid')
    expect(errored.lastError).toBeTruthy()
    expect(errored.lastErrorAt).toBeInstanceOf(Date)

    // Fixed (new keys entered, as the web app does) → recovers.
    const rotated = await sim.control.rotateCredentials('aws', native)
    if (rotated.cloud !== 'aws') throw new Error('expected aws')
    await replaceCloudAccountCredentials(
      forTenant(db.worker, tenant.id),
      vault,
      tenant.id,
      account.id,
      rotated.credentials.accessKeys,
    )
    const notifier = createNotifier({ redisUrl: REDIS_URL, queuePrefix: prefix })
    await notifier.notifyAccountChanged({ tenantId: tenant.id, accountId: account.id })
    await notifier.close()
    const ok = await until(async () => {
      const a = await db.worker.cloudAccount.findUnique({ where: { id: account.id } })
      return a?.status === 'ok' ? a : null
    })
    expect(ok.consecutiveFails).toBe(0)
    expect(ok.lastSuccessAt!.getTime()).toBeGreaterThan(errored.lastErrorAt!.getTime())
  }, 120_000)
})
