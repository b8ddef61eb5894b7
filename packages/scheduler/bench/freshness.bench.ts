/**
 * Freshness benchmark (npm run bench:freshness -w @cms/scheduler, or `npm run bench freshness`): how
 * long from a resource appearing in the cloud to its first metric point stored, with the intervals the
 * product ships (DEFAULT_SCHEDULE: discovery and metrics every 60 s) and one worker process.
 *
 * The cloudsim `minimal` world (one account per cloud, connected as one tenant, access keys) runs until
 * discovery and metrics are in their steady state; then six instances are created through cloudsim's
 * control API (POST /_sim/resources) — two each in AWS, Azure and GCP, staggered across a 5-minute
 * period so the creation moment falls at different points of a metric period — and the database is
 * polled for the first ts.metric_points row of each one's series. Latency = the simulator's clock when
 * the row was seen − the resource's creation time (cloud time).
 *
 * A new resource's first metrics job fetches its newest, still-provisional periods (re-read later once
 * converged), so its first point is stored about one metrics interval after the cloud has one; the cloud
 * itself needs the instance's first whole minute plus its ingest delay. Both are printed: creation →
 * first stored point, and the cloud's first data point → stored (the part the product controls).
 * Real time needs a few minutes per instance, so by default the clock runs
 * BENCH_FRESHNESS_SPEED (10) × faster and the schedule intervals are the defaults divided by the same
 * factor (as the tenant's schedule override, on a plan allowing it) — every figure is in cloud time,
 * i.e. what a deployment on the defaults would see. Work the worker does in real time (jobs, polling)
 * counts SPEED-fold, so the compressed figures err on the slow side. BENCH_FRESHNESS_SPEED=1 runs the
 * plain product on the real clock (no schedule override, the 'team' plan whose minimum is the 60 s
 * default) and takes about 20 minutes.
 */
import type { ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { INGEST_DELAY_SECONDS, SAMPLE_SECONDS, startCloudSim } from '@cms/cloudsim'
import { LocalKeyring } from '@cms/core'
import { createPool } from '@cms/db'
import { createTenant, createTestDatabase, testVault } from '@cms/db/testing'
import { DEFAULT_SCHEDULE } from '../src/plans'
import { ensureTestPlan } from '../src/testing/factories'
import { runClock, spawnWorker } from '../src/testing/fault-harness'
import { connectSimAccount, dropQueuePrefix, REDIS_URL, until } from '../src/testing/harness'
import { recordBench } from '../../../bench/lib'

const SPEED = Math.max(1, Number(process.env.BENCH_FRESHNESS_SPEED ?? 10))
const TARGET_S = 120
/** New instances, in creation order, GAP_S cloud seconds apart (6 × 50 s spans one 5-minute period). */
const NEW: Array<{ cloud: 'aws' | 'azure' | 'gcp'; type: string }> = [
  { cloud: 'aws', type: 'ec2.instance' },
  { cloud: 'azure', type: 'azure.vm' },
  { cloud: 'gcp', type: 'gcp.instance' },
  { cloud: 'aws', type: 'ec2.instance' },
  { cloud: 'azure', type: 'azure.vm' },
  { cloud: 'gcp', type: 'gcp.instance' },
]
const GAP_S = 50
const say = (s: string) => console.log(`[freshness] ${s}`)

const sim = await startCloudSim({ seed: 5, scenario: 'minimal', port: 0 })
const db = await createTestDatabase()
const keySpec = LocalKeyring.generateKeySpec('fresh1')
const vault = testVault(keySpec)
const prefix = `bench-fresh-${randomUUID().slice(0, 8)}`
const pool = createPool({ url: db.url, role: 'cms_worker', max: 2 })
pool.on('error', () => {})
const simNow = () => Date.now() + sim.control.clock().offsetMs
/** Sleep `simMs` of cloud time. */
const wait = (simMs: number) => new Promise((r) => setTimeout(r, simMs / SPEED))
let worker: ChildProcess | undefined
let clock: { stop(): void } | undefined
const wallStart = Date.now()

try {
  // One tenant, every simulated account. Real clock: the shipped defaults as they are ('team' plan,
  // minimum 60 s = the default). Compressed clock: the defaults in cloud time, as the tenant's override.
  const tenant = await createTenant(db.worker)
  const compressed = SPEED > 1
  await db.worker.organization.update({
    where: { id: tenant.id },
    data: compressed
      ? {
          planId: await ensureTestPlan(db.worker),
          settings: {
            schedule: {
              discoveryIntervalMs: Math.round(DEFAULT_SCHEDULE.discoveryIntervalMs / SPEED),
              metricsIntervalMs: Math.round(DEFAULT_SCHEDULE.metricsIntervalMs / SPEED),
            },
          },
        }
      : { planId: 'team' },
  })
  const accounts = sim.control.accounts()
  for (const a of accounts) await connectSimAccount(db.worker, vault, tenant.id, a)
  say(
    `clock ${SPEED}× (${compressed ? 'compressed: figures in cloud time' : 'real time'}); intervals discovery ${DEFAULT_SCHEDULE.discoveryIntervalMs / 1000} s, metrics ${DEFAULT_SCHEDULE.metricsIntervalMs / 1000} s (cloud time); ${accounts.length} accounts, ${sim.control.summary().total} resources before`,
  )
  if (compressed) clock = runClock(sim, (SPEED - 1) * 1000)
  worker = await spawnWorker({
    databaseUrl: db.url,
    redisUrl: REDIS_URL,
    queuePrefix: prefix,
    keySpec,
    endpoints: {
      aws: sim.urls.aws,
      azure: sim.urls.azure,
      gcp: sim.urls.gcp,
      ncp: sim.urls.ncp,
      caPem: sim.caCertPem,
    },
    controlUrl: sim.urls.control,
    logLevel: process.env.BENCH_LOG ?? 'error',
  })

  // Steady state: everything discovered, and every region with resources has its metric watermark.
  // azure.sql_server is the simulator's parent of SQL databases, not a type the product inventories.
  const existing = sim.control.resources().filter((r) => r.type !== 'azure.sql_server').length
  await until(
    async () => (await db.worker.resource.count({ where: { tenantId: tenant.id } })) >= existing,
    120_000,
    200,
  )
  const regions = async () =>
    (
      await pool.query<{ want: number; have: number }>(
        `SELECT (SELECT count(DISTINCT (account_id, region))::int FROM resource WHERE tenant_id = $1 AND type IN ('ec2.instance','azure.vm','gcp.instance')) AS want,
                (SELECT count(DISTINCT (account_id, region))::int FROM metric_watermark WHERE tenant_id = $1) AS have`,
        [tenant.id],
      )
    ).rows[0]!
  await until(
    async () => {
      const r = await regions()
      return r.have >= r.want && r.want > 0
    },
    (20 * 60_000) / SPEED + 60_000,
  )
  say(`steady state after ${((Date.now() - wallStart) / 1000).toFixed(0)} s wall`)

  // Create the instances through the control API, staggered, while a poller notes (cloud clock) when
  // each one's resource row, then its first stored point, appears.
  const created: Array<{
    id: string
    cloud: string
    createdAt: number
    discoveredAt?: number
    firstAt?: number
  }> = []
  let creating = true
  const pollMs = Math.max(100, 1000 / SPEED)
  const deadline = Date.now() + (30 * 60_000) / SPEED + 60_000
  const poller = (async () => {
    while ((creating || created.some((c) => c.firstAt === undefined)) && Date.now() < deadline) {
      const seenAt = simNow()
      const ids = created.map((c) => c.id.toLowerCase())
      const rows = await pool.query<{ native_id: string; points: boolean }>(
        `SELECT lower(r.native_id) AS native_id,
                EXISTS (SELECT 1 FROM metric_series s JOIN ts.metric_points p ON p.tenant_id = s.tenant_id AND p.series_id = s.id
                        WHERE s.tenant_id = r.tenant_id AND s.resource_id = r.id) AS points
         FROM resource r WHERE r.tenant_id = $1 AND lower(r.native_id) = ANY($2)`,
        [tenant.id, ids],
      )
      for (const row of rows.rows) {
        const c = created[ids.indexOf(row.native_id)]
        if (!c) continue
        c.discoveredAt ??= seenAt
        if (row.points) c.firstAt ??= seenAt
      }
      await new Promise((r) => setTimeout(r, pollMs))
    }
  })()
  for (const [i, n] of NEW.entries()) {
    if (i > 0) await wait(GAP_S * 1000)
    const a = accounts.find((x) => x.cloud === n.cloud)!
    const res = await fetch(`${sim.urls.control}/_sim/resources`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        cloud: n.cloud,
        account: a.nativeIds[0],
        region: a.regions[0],
        type: n.type,
        name: `fresh-${i}`,
      }),
    })
    if (res.status >= 300) throw new Error(`create failed: ${res.status} ${await res.text()}`)
    const r = (await res.json()) as { id: string; createdAt: string }
    created.push({ id: r.id, cloud: n.cloud, createdAt: Date.parse(r.createdAt) })
  }
  creating = false
  await poller

  const secs = (ms: number | undefined) => (ms === undefined ? NaN : ms / 1000)
  for (const c of created)
    say(
      `${c.cloud.padEnd(5)} ${c.id.slice(-24).padStart(24)}: discovered after ${secs(c.discoveredAt! - c.createdAt).toFixed(0)} s, first metric after ${c.firstAt === undefined ? 'never (timed out)' : `${secs(c.firstAt - c.createdAt).toFixed(0)} s`} (created ${Math.round((c.createdAt % 300_000) / 1000)} s into its 5-minute period)`,
    )
  const pct = (xs: number[], p: number) => {
    const s = [...xs].sort((a, b) => a - b)
    return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!
  }
  const lat = created.map((c) => (c.firstAt === undefined ? Infinity : (c.firstAt - c.createdAt) / 1000))
  const disc = created.map((c) =>
    c.discoveredAt === undefined ? Infinity : (c.discoveredAt - c.createdAt) / 1000,
  )
  const byCloud = (cloud: string) =>
    Math.max(...created.filter((c) => c.cloud === cloud).map((c) => (c.firstAt ?? Infinity) - c.createdAt)) /
    1000
  // When the cloud itself first had a data point for the instance: its first whole minute sampled, plus
  // the simulator's ingest delay (the same rule its metric APIs apply). No poller can be faster than that.
  const visibleAt = (c: { createdAt: number }) =>
    (Math.ceil(c.createdAt / (SAMPLE_SECONDS * 1000)) * SAMPLE_SECONDS +
      SAMPLE_SECONDS +
      INGEST_DELAY_SECONDS) *
    1000
  const afterData = created.map((c) =>
    c.firstAt === undefined ? Infinity : Math.max(0, c.firstAt - visibleAt(c)) / 1000,
  )
  const note = `${created.length} instances (AWS, Azure, GCP), default intervals, 1 worker, clock ${SPEED}×${compressed ? ' (cloud time)' : ''}`
  say(
    `first metric: p50 ${pct(lat, 50).toFixed(0)} s, max ${Math.max(...lat).toFixed(0)} s after creation; ${pct(afterData, 50).toFixed(0)} / ${Math.max(...afterData).toFixed(0)} s (p50 / max, target ≤ ${TARGET_S} s) after the cloud had its first data point — per cloud max: AWS ${byCloud('aws').toFixed(0)} s, Azure ${byCloud('azure').toFixed(0)} s, GCP ${byCloud('gcp').toFixed(0)} s; discovery p50 ${pct(disc, 50).toFixed(0)} s, max ${Math.max(...disc).toFixed(0)} s`,
  )
  recordBench([
    {
      area: 'freshness',
      metric: 'new resource → first metric stored, p50',
      value: pct(lat, 50),
      unit: 's',
      note,
    },
    {
      area: 'freshness',
      metric: 'new resource → first metric stored, max',
      value: Math.max(...lat),
      unit: 's',
      note: `${note}; includes the cloud's own delay before a new instance's first point exists (first minute + ${INGEST_DELAY_SECONDS} s ingest)`,
    },
    {
      area: 'freshness',
      metric: "cloud's first data point → stored, max",
      value: Math.max(...afterData),
      unit: 's',
      target: `≤ ${TARGET_S} s`,
      pass: Math.max(...afterData) <= TARGET_S,
      note,
    },
    {
      area: 'freshness',
      metric: 'new resource → on the dashboard (discovered), max',
      value: Math.max(...disc),
      unit: 's',
      target: `≤ ${TARGET_S} s`,
      pass: Math.max(...disc) <= TARGET_S,
      note,
    },
  ])
  say(`wall time ${((Date.now() - wallStart) / 1000).toFixed(0)} s`)
} finally {
  clock?.stop()
  worker?.kill('SIGTERM')
  await new Promise((r) => setTimeout(r, 1500))
  worker?.kill('SIGKILL')
  await dropQueuePrefix(prefix)
  await pool.end()
  await sim.stop()
  await db.drop()
}
process.exit(0)
