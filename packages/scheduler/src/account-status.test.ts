/**
 * Issue 18 (5): what the account row (the UI's account status) says when a cloud misbehaves.
 *  - rules: malformed answers flip the status to `error` after MALFORMED_FAILURES_BEFORE_ERROR
 *    consecutive failures, throttling never does, credentials at once; a good answer brings it back
 *    (a metrics success only for failures that were not about credentials/permissions);
 *  - end to end against cloudsim with a real worker: CloudWatch answering garbage is on the account row
 *    at the metrics job's first failed attempt (not after its 8 attempts), the account turns `error`,
 *    and back to `ok` once CloudWatch answers properly again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type pg from 'pg'
import { startCloudSim, type CloudSim } from '@cms/cloudsim'
import { createLogger, LocalKeyring } from '@cms/core'
import { createTestDatabase, testVault, type TestDatabase } from '@cms/db/testing'
import {
  MALFORMED_FAILURES_BEFORE_ERROR,
  recordAccountFailure,
  recordAccountSuccess,
  recordTransientRecovery,
} from './account-status'
import { runClock } from './testing/fault-harness'
import { createTenantWithAccount } from './testing/factories'
import { connectSimAwsAccount, REDIS_URL, testPool, uniquePrefix, until } from './testing/harness'
import { realProviders } from './testing/registry'
import { startWorker, type StartedWorker } from './worker'

const keySpec = LocalKeyring.generateKeySpec('acst1')
const vault = testVault(keySpec)
let db: TestDatabase
let pool: pg.Pool

beforeAll(async () => {
  db = await createTestDatabase()
  pool = testPool(db.url)
})
afterAll(async () => {
  await pool?.end()
  await db?.drop()
})

async function row(accountId: string) {
  const r = await pool.query<{
    status: string
    last_error_code: string | null
    last_error: string | null
    consecutive_fails: number
  }>(
    `SELECT status::text AS status, last_error_code, last_error, consecutive_fails FROM cloud_account WHERE id = $1`,
    [accountId],
  )
  return r.rows[0]!
}

describe('account status rules', () => {
  const now = new Date()
  const malformed = { code: 'bad_response' as const, message: 'malformed answer' }

  it(`malformed answers: error after ${MALFORMED_FAILURES_BEFORE_ERROR} consecutive failures, ok again after a good answer`, async () => {
    const { tenant, account } = await createTenantWithAccount(db.worker, vault)
    await db.worker.cloudAccount.update({ where: { id: account.id }, data: { status: 'ok' } })
    for (let i = 1; i < MALFORMED_FAILURES_BEFORE_ERROR; i++) {
      const r = await recordAccountFailure(db.worker, tenant.id, account.id, malformed, now)
      expect(r).toMatchObject({ consecutive_fails: i, status: 'ok', previous_status: 'ok' })
    }
    const r = await recordAccountFailure(db.worker, tenant.id, account.id, malformed, now)
    expect(r).toMatchObject({ status: 'error', previous_status: 'ok' })
    expect(await row(account.id)).toMatchObject({ status: 'error', last_error_code: 'bad_response' })
    expect(await recordTransientRecovery(db.worker, tenant.id, account.id, now)).toEqual({ changed: true })
    expect(await row(account.id)).toMatchObject({ status: 'ok', consecutive_fails: 0 })
    // Nothing to clear: no write, no change.
    expect(await recordTransientRecovery(db.worker, tenant.id, account.id, now)).toBeNull()
  })

  it('throttling never flips the status; a credential failure does at once and only a discovery clears it', async () => {
    const { tenant, account } = await createTenantWithAccount(db.worker, vault)
    await db.worker.cloudAccount.update({ where: { id: account.id }, data: { status: 'ok' } })
    for (let i = 0; i < 6; i++)
      await recordAccountFailure(
        db.worker,
        tenant.id,
        account.id,
        { code: 'throttled', message: 'slow down' },
        now,
      )
    expect(await row(account.id)).toMatchObject({ status: 'ok', consecutive_fails: 6 })
    await recordAccountFailure(
      db.worker,
      tenant.id,
      account.id,
      { code: 'access_denied', message: 'no' },
      now,
    )
    expect((await row(account.id)).status).toBe('error')
    // CloudWatch working says nothing about a missing ec2:Describe* permission.
    expect(await recordTransientRecovery(db.worker, tenant.id, account.id, now)).toBeNull()
    expect((await row(account.id)).status).toBe('error')
    await recordAccountSuccess(db.worker, tenant.id, account.id, now)
    expect(await row(account.id)).toMatchObject({ status: 'ok', consecutive_fails: 0 })
  })

  it('a paused account stays paused', async () => {
    const { tenant, account } = await createTenantWithAccount(db.worker, vault)
    await db.worker.cloudAccount.update({
      where: { id: account.id },
      data: { status: 'paused', pausedAt: now },
    })
    for (let i = 0; i < MALFORMED_FAILURES_BEFORE_ERROR + 1; i++)
      await recordAccountFailure(db.worker, tenant.id, account.id, malformed, now)
    expect((await row(account.id)).status).toBe('paused')
  })
})

describe('a cloud answering garbage, end to end (cloudsim, real worker)', () => {
  let sim: CloudSim
  let worker: StartedWorker
  let clock: { stop(): void }

  afterAll(async () => {
    await worker?.stop()
    clock?.stop()
    await sim?.stop()
  })

  it('the metrics job reports at its first failed attempt; the account turns error, then ok when the cloud recovers', async () => {
    sim = await startCloudSim({ seed: 12, scenario: 'minimal', port: 0 })
    // Discovery rarely (it would also reset the streak); metrics every simulated period.
    const t = await connectSimAwsAccount(db.worker, vault, sim, {
      schedule: { discoveryIntervalMs: 3600_000, metricsIntervalMs: 1000 },
    })
    clock = runClock(sim, 60_000)
    worker = await startWorker({
      databaseUrl: db.url,
      redisUrl: REDIS_URL,
      queuePrefix: uniquePrefix(),
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
      reconcileIntervalMs: 2000,
      shutdownGraceMs: 2000,
      lockDurationMs: 5000,
      dbPoolMax: 4,
      now: () => new Date(Date.now() + sim.control.clock().offsetMs),
    })
    // Healthy first: discovered and some metrics stored.
    await until(async () => {
      const r = await pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM metric_watermark WHERE tenant_id = $1`,
        [t.tenant.id],
      )
      return (r.rows[0]?.n ?? 0) > 0
    }, 90_000)
    expect(await row(t.account.id)).toMatchObject({ status: 'ok', consecutive_fails: 0 })

    // Every CloudWatch answer is garbage from now on (EC2/RDS still fine: discovery would succeed).
    const fault = sim.control.addFault({ cloud: 'aws', api: 'cloudwatch', malformedRate: 1 })
    const faultAt = Date.now()
    const first = await until(async () => {
      const a = await row(t.account.id)
      return a.last_error_code === 'bad_response' ? a : null
    }, 60_000)
    // A metrics job retries 8 times over ~2 minutes (1 s exponential backoff): seen long before its last.
    expect(Date.now() - faultAt).toBeLessThan(30_000)
    expect(first.last_error).toMatch(/malformed|invalid|parse|unexpected/i)
    const errored = await until(async () => {
      const a = await row(t.account.id)
      return a.status === 'error' ? a : null
    }, 60_000)
    expect(errored.consecutive_fails).toBeGreaterThanOrEqual(MALFORMED_FAILURES_BEFORE_ERROR)

    sim.control.removeFault(fault.id)
    const healthy = await until(async () => {
      const a = await row(t.account.id)
      return a.status === 'ok' && a.consecutive_fails === 0 ? a : null
    }, 90_000)
    // The last error stays as history.
    expect(healthy.last_error_code).toBe('bad_response')
  }, 240_000)
})
