/**
 * 10× benchmark (issue 17): `npm run bench:100k` (root) or `npx tsx bench/scale100k.bench.ts [resources]`
 * in packages/scheduler. The cloudsim `scale100k` world (default 100,000 resources over 70 accounts in
 * AWS, Azure, GCP and NCP, ~600,000 series), every account its own tenant, two worker processes (the
 * production bundle, as scheduler.bench.ts runs it) from the start, on one PostgreSQL and one Redis.
 *
 * Prints and records: cold discovery time; per simulated 5-minute period (BENCH_PERIODS, default 6) the
 * metrics cycle (clock advanced one period, every account's tick enqueued, until every watermark has
 * moved one period) p50 / max; points stored per cycle and points/s; rollup lag (per tenant, newest
 * 5-minute bucket stored vs newest rolled up, in buckets, sampled every second and at each cycle end)
 * and the rollup jobs' own durations; PostgreSQL bytes per stored raw point (table + indexes); each
 * worker's RSS per cycle and peak; metric API calls per cycle vs the physical minimum per cloud (the
 * providers bench's formula over the stored inventory); and stored points vs what cloudsim serves
 * (missing / duplicate / wrong, every series of every tenant from the first pass to the final marks).
 */
import type { ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import { startCloudSim } from '@cms/cloudsim'
import { LocalKeyring, type CloudKind } from '@cms/core'
import { createPool } from '@cms/db'
import { createTenant, createTestDatabase, testVault } from '@cms/db/testing'
import { spawnWorker } from '../src/testing/fault-harness'
import { connectSimAccount, dropQueuePrefix, REDIS_URL, storedPoints, until } from '../src/testing/harness'
import { realProviders } from '../src/testing/registry'
import { groupKey } from '../src/windows'
import { recordBench } from '../../../bench/lib'
import { buildWorkerBundle, WORKER_RUNTIME } from '../src/bin/build'

const RESOURCES = Number(process.argv[2] ?? 100_000)
const PERIODS = Math.max(6, Number(process.env.BENCH_PERIODS ?? 6))
const PERIOD = 300_000
const say = (s: string) => console.log(`[100k] ${s}`)
const wall0 = Date.now()
const SIM_OPS: Record<CloudKind, string> = {
  aws: 'GetMetricData',
  azure: 'MetricsBatch_Batch',
  gcp: 'timeSeries.list',
  ncp: 'QueryDataMultiple',
}

const rssMb = (pid: number) => {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0)
  return { rss: Math.round(kb('VmRSS') / 1024), peak: Math.round(kb('VmHWM') / 1024) }
}
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!
}
const secs = (ms: number) => (ms / 1000).toFixed(1)

const providers = await realProviders()
const sim = await startCloudSim({ seed: 1, scenario: 'scale100k', resources: RESOURCES, port: 0 })
const db = await createTestDatabase()
const keySpec = LocalKeyring.generateKeySpec('bench1')
const vault = testVault(keySpec)
const prefix = `bench100k-${randomUUID().slice(0, 8)}`
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null })
const metricsQ = new Queue('metrics', { connection: redis, prefix: `{${prefix}}` })
const maintenanceQ = new Queue('maintenance', { connection: redis, prefix: `{${prefix}}` })
const pool = createPool({ url: db.url, role: 'cms_worker', max: 4 })
pool.on('error', () => {})
const children: ChildProcess[] = []
let sampling = true

try {
  const settings = {
    schedule: {
      discoveryIntervalMs: 3600_000,
      metricsIntervalMs: 3600_000,
      billingIntervalMs: 24 * 3600_000,
    },
  }
  const accounts: Array<{ tenantId: string; accountId: string; cloud: CloudKind }> = []
  for (const a of sim.control.accounts()) {
    const t = await createTenant(db.worker)
    await db.worker.organization.update({ where: { id: t.id }, data: { settings, planId: 'enterprise' } })
    const acc = await connectSimAccount(db.worker, vault, t.id, a)
    accounts.push({ tenantId: t.id, accountId: acc.id, cloud: a.cloud })
  }
  const summary = sim.control.summary()
  say(
    `world: ${summary.total} resources in ${accounts.length} accounts (${Object.entries(summary.byCloud)
      .map(([c, n]) => `${c} ${n}`)
      .join(', ')}); load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
  )

  const endpoints = {
    aws: sim.urls.aws,
    azure: sim.urls.azure,
    gcp: sim.urls.gcp,
    ncp: sim.urls.ncp,
    caPem: sim.caCertPem,
  }
  const childOpts = {
    databaseUrl: db.url,
    redisUrl: REDIS_URL,
    queuePrefix: prefix,
    keySpec,
    endpoints,
    controlUrl: sim.urls.control,
    concurrency: Number(process.env.BENCH_CONCURRENCY ?? 8),
    logLevel: process.env.BENCH_LOG ?? 'error',
  }
  const script = await buildWorkerBundle(
    join(import.meta.dirname, '../src/testing/worker-child.ts'),
    join(import.meta.dirname, '../dist/worker-child.mjs'),
  )
  const t0 = Date.now()
  for (let i = 0; i < 2; i++)
    children.push(await spawnWorker(childOpts, WORKER_RUNTIME.nodeArgs, script, WORKER_RUNTIME.env))
  const [w1, w2] = children as [ChildProcess, ChildProcess]

  // Cold discovery: both workers start with every account's scheduled discovery.
  await until(
    async () => (await db.worker.resource.count({ where: { terminatedAt: null } })) >= summary.total * 0.99,
    1_800_000,
    1000,
  )
  const discovered = await db.worker.resource.count({ where: { terminatedAt: null } })
  const discoveryMs = Date.now() - t0
  say(`cold discovery: ${discovered} resources stored in ${secs(discoveryMs)} s (2 workers, all accounts)`)

  // The (account, region, period group) watermarks the first pass must create.
  const catalog = (cloud: CloudKind, type: string) => providers[cloud].metrics?.catalog(type) ?? []
  const inv = (
    await pool.query<{ account_id: string; region: string; type: string; cloud: CloudKind; n: number }>(
      `SELECT account_id::text, region, type, cloud::text AS cloud, count(*)::int AS n FROM resource
       WHERE terminated_at IS NULL GROUP BY 1, 2, 3, 4`,
    )
  ).rows
  const wantGroups = new Set<string>()
  for (const r of inv)
    for (const d of catalog(r.cloud, r.type))
      wantGroups.add(`${r.account_id}|${r.region}|${groupKey(d.periodSeconds)}`)
  const marks = async () =>
    new Map(
      (
        await pool.query<{ k: string; m: Date }>(
          `SELECT account_id::text || '|' || region || '|' || metric_group AS k, high_water AS m FROM metric_watermark`,
        )
      ).rows.map((r) => [r.k, r.m.getTime()]),
    )
  const warm = Date.now()
  await metricsQ.addBulk(
    accounts.map((a) => ({
      name: 'metrics.tick',
      data: { tenantId: a.tenantId, accountId: a.accountId },
      opts: { jobId: `bench/warm/${a.accountId}`, removeOnComplete: { age: 3600 } },
    })),
  )
  await until(async () => (await marks()).size >= wantGroups.size, 1_800_000, 2000)
  const series = await db.worker.metricSeries.count()
  const firstMarks = await marks()
  say(
    `first metrics pass (15-minute lookback): ${secs(Date.now() - warm)} s; ${wantGroups.size} watermarks; series: ${series}`,
  )

  const points = async () =>
    Number((await pool.query<{ n: string }>('SELECT count(*)::text AS n FROM ts.metric_points')).rows[0]!.n)

  // Rollup lag per tenant: newest 5-minute bucket holding raw points vs the newest rolled up (both on
  // the (tenant_id, ts) indexes), in buckets; the worst tenant counts.
  const lagSql = `
    SELECT max(floor(extract(epoch FROM (date_bin('5 minutes', raw.m, timestamptz 'epoch') - coalesce(r5.m, timestamptz 'epoch'))) / 300))::int AS lag
    FROM organization o
    CROSS JOIN LATERAL (SELECT max(ts) AS m FROM ts.metric_points p WHERE p.tenant_id = o.id) raw
    CROSS JOIN LATERAL (SELECT max(ts) AS m FROM ts.metric_points_5m f WHERE f.tenant_id = o.id) r5
    WHERE raw.m IS NOT NULL`
  const lag = async () => (await pool.query<{ lag: number | null }>(lagSql)).rows[0]!.lag ?? 0
  let maxLag = 0
  const lagSamples: number[] = []
  const sampler = (async () => {
    while (sampling) {
      const l = await lag().catch(() => 0)
      lagSamples.push(l)
      maxLag = Math.max(maxLag, l)
      await new Promise((r) => setTimeout(r, 1000))
    }
  })()

  // Physical minimum of metric calls per cycle, from the stored inventory (providers bench's formula:
  // GetMetricData 500 queries per (account, region); getBatch 50 resources of one subscription, region
  // and type × 20 metric names; timeSeries.list one metric type per project; QueryDataMultiple 20
  // conditions per key). Azure and GCP accounts here hold one subscription / project each.
  const minimum: Record<CloudKind, number> = { aws: 0, azure: 0, gcp: 0, ncp: 0 }
  const seriesBy = new Map<string, number>()
  for (const r of inv) {
    const defs = catalog(r.cloud, r.type)
    if (!defs.length) continue
    if (r.cloud === 'aws')
      seriesBy.set(
        `aws|${r.account_id}|${r.region}`,
        (seriesBy.get(`aws|${r.account_id}|${r.region}`) ?? 0) + r.n * defs.length,
      )
    else if (r.cloud === 'azure') minimum.azure += Math.ceil(r.n / 50) * Math.ceil(defs.length / 20)
    else if (r.cloud === 'ncp')
      seriesBy.set(`ncp|${r.account_id}`, (seriesBy.get(`ncp|${r.account_id}`) ?? 0) + r.n * defs.length)
  }
  for (const [k, n] of seriesBy)
    minimum[k.startsWith('aws') ? 'aws' : 'ncp'] += Math.ceil(n / (k.startsWith('aws') ? 500 : 20))
  const gcpTypes = new Set(inv.filter((r) => r.cloud === 'gcp').map((r) => `${r.account_id}|${r.type}`))
  for (const k of gcpTypes) minimum.gcp += catalog('gcp', k.split('|')[1]!).length
  const metricCalls = () => {
    const out: Record<CloudKind, number> = { aws: 0, azure: 0, gcp: 0, ncp: 0 }
    for (const r of sim.control.calls().rows)
      if (r.operation === SIM_OPS[r.cloud as CloudKind]) out[r.cloud as CloudKind] += r.calls
    return out
  }

  const rss: Array<{ w1: number; w2: number }> = []
  const cycles: Array<{
    ms: number
    added: number
    lagEnd: number
    rollupMs: number
    calls: Record<CloudKind, number>
  }> = []
  for (let c = 1; c <= PERIODS; c++) {
    const before = await marks()
    sim.control.advanceClock(PERIOD)
    sim.control.resetCalls()
    await new Promise((r) => setTimeout(r, 250)) // the workers' clocks poll the simulator every 100 ms
    const p0 = await points()
    const start = Date.now()
    await metricsQ.addBulk(
      accounts.map((a) => ({
        name: 'metrics.tick',
        data: { tenantId: a.tenantId, accountId: a.accountId },
        opts: { jobId: `bench/c${c}/${a.accountId}`, removeOnComplete: { age: 3600 } },
      })),
    )
    await until(
      async () => {
        const now = await marks()
        for (const [k, m] of before) if ((now.get(k) ?? 0) < m + PERIOD) return false
        return true
      },
      1_800_000,
      250,
    )
    const ms = Date.now() - start
    const added = (await points()) - p0
    const calls = metricCalls()
    // A production period is 5 minutes of real time, in which the rollup job (every 30 s) runs ten
    // times; the bench compresses the period into one cycle, so it runs the job once at the period's
    // end (the same job, on the workers) and reads the lag after it: what a dashboard would see.
    const r0 = Date.now()
    const job = await maintenanceQ.add(
      'rollup.run',
      {},
      { jobId: `bench-rollup-${c}`, removeOnComplete: { age: 3600 } },
    )
    await until(
      async () => (await job.isCompleted()) || (await maintenanceQ.getJob(job.id!)) === undefined,
      600_000,
      200,
    )
    const rollupMs = Date.now() - r0
    const lagEnd = await lag()
    rss.push({ w1: rssMb(w1.pid!).rss, w2: rssMb(w2.pid!).rss })
    cycles.push({ ms, added, lagEnd, rollupMs, calls })
    say(
      `period ${c}: cycle ${secs(ms)} s, ${added} points (${Math.round(added / (ms / 1000))}/s), rollups ${secs(rollupMs)} s, then rollup lag ${lagEnd} bucket(s), RSS ${rss.at(-1)!.w1} / ${rss.at(-1)!.w2} MB, calls ${Object.entries(
        calls,
      )
        .map(([k, n]) => `${k} ${n}/${minimum[k as CloudKind]}`)
        .join(', ')}`,
    )
  }
  sampling = false
  await sampler

  const ms = cycles.map((c) => c.ms)
  const stored = cycles.reduce((n, c) => n + c.added, 0)
  const totalMs = ms.reduce((a, b) => a + b, 0)
  const peaks = [rssMb(w1.pid!).peak, rssMb(w2.pid!).peak]
  const lastRss = rss.at(-1)!
  const firstRss = rss[0]!
  const ratio = (cloud: CloudKind) =>
    minimum[cloud] ? Math.max(...cycles.map((c) => c.calls[cloud])) / minimum[cloud] : 1
  const ratios = (['aws', 'azure', 'gcp', 'ncp'] as const).map((c) => [c, ratio(c)] as const)

  // Rollup jobs as the workers ran them (BullMQ keeps completed maintenance jobs an hour).
  const rollJobs = (await maintenanceQ.getJobs(['completed'], 0, 10_000)).filter(
    (j) => j.name === 'rollup.run' && (j.finishedOn ?? 0) >= warm,
  )
  const rollMs = rollJobs.map((j) => (j.finishedOn ?? 0) - (j.processedOn ?? 0))
  const rollPairs = rollJobs.reduce(
    (n, j) => n + Number((j.returnvalue as { buckets?: number } | null)?.buckets ?? 0),
    0,
  )
  const rollTotal = rollMs.reduce((a, b) => a + b, 0)

  // Bytes per stored raw point: every partition of ts.metric_points, heap + indexes + TOAST.
  const size = (
    await pool.query<{ bytes: string; idx: string; n: string }>(
      `SELECT (SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree('ts.metric_points') WHERE isleaf)::text AS bytes,
              (SELECT sum(pg_indexes_size(relid)) FROM pg_partition_tree('ts.metric_points') WHERE isleaf)::text AS idx,
              (SELECT count(*) FROM ts.metric_points)::text AS n`,
    )
  ).rows[0]!
  const bytesPerPoint = Number(size.bytes) / Number(size.n)

  // Nothing lost or duplicated: per tenant, every series from 10 minutes after its first watermark to
  // its lowest final watermark (below a watermark the cloud's values have converged).
  const finalMarks = await marks()
  let expected = 0
  let missing = 0
  let duplicates = 0
  let wrong = 0
  const examples: string[] = []
  const byCloud: Record<string, number> = {}
  // Cloudsim's truth takes CloudWatch stat names; Azure's 'Total' is its 'Sum'.
  const truthStat = (stat: string) => (stat === 'Total' ? 'Sum' : stat)
  for (const a of accounts) {
    const mine = [...firstMarks].filter(([k]) => k.startsWith(`${a.accountId}|`))
    if (!mine.length) continue
    const from = Math.min(...mine.map(([, m]) => m)) - 10 * 60_000
    const to = Math.min(...[...finalMarks].filter(([k]) => k.startsWith(`${a.accountId}|`)).map(([, m]) => m))
    const res = (
      await pool.query<{ native_id: string; type: string }>(
        `SELECT native_id, type FROM resource WHERE account_id = $1 AND terminated_at IS NULL`,
        [a.accountId],
      )
    ).rows.filter((r) => catalog(a.cloud, r.type).length > 0)
    const seen = new Map<string, number>()
    for (const p of await storedPoints(pool, a.tenantId, new Date(from), new Date(to))) {
      const k = `${p.nativeId}|${p.metric}|${p.stat}|${p.ts}`
      if (seen.has(k)) duplicates++
      seen.set(k, p.value)
    }
    for (const r of res)
      for (const d of catalog(a.cloud, r.type)) {
        const truth = sim.control.metricTruth({
          resourceId: r.native_id,
          metric: d.metric,
          stat: truthStat(d.stat),
          periodSec: d.periodSeconds,
          startSec: Math.floor(from / 1000),
          endSec: Math.floor(to / 1000),
        })
        for (const b of truth) {
          expected++
          byCloud[a.cloud] = (byCloud[a.cloud] ?? 0) + 1
          const k = `${r.native_id}|${d.metric}|${d.stat}|${b.t * 1000}`
          const v = seen.get(k)
          if (v === undefined) {
            missing++
            if (examples.length < 4) examples.push(`missing ${a.cloud} ${k}`)
          } else if (Math.abs(v - b.value) > 1e-6 * Math.max(1, Math.abs(b.value))) {
            wrong++
            if (examples.length < 4) examples.push(`wrong ${a.cloud} ${k}: ${v} != ${b.value}`)
          }
        }
      }
  }
  const dupRows = Number(
    (
      await pool.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM (SELECT tenant_id, series_id, ts FROM ts.metric_points GROUP BY 1, 2, 3 HAVING count(*) > 1) d`,
      )
    ).rows[0]!.n,
  )
  duplicates += dupRows

  say(
    `metrics cycle, 2 workers: p50 ${secs(pct(ms, 50))} s, max ${secs(Math.max(...ms))} s over ${PERIODS} periods (${ms.map(secs).join(', ')})`,
  )
  say(
    `points stored: ${stored} in ${PERIODS} cycles = ${Math.round(stored / (totalMs / 1000))} points/s end to end`,
  )
  say(
    `rollup lag after each period's rollups: ${cycles.map((c) => c.lagEnd).join(', ')} bucket(s) (worst sample mid-cycle ${maxLag} over ${lagSamples.length}, the bench delivering 5 minutes of data every cycle); rollup jobs ${rollJobs.length}, ${rollPairs} (account, bucket) pairs in ${secs(rollTotal)} s (${rollPairs ? Math.round(rollTotal / rollPairs) : 0} ms each)`,
  )
  say(
    `storage: ${size.n} raw points, ${(Number(size.bytes) / 1048576).toFixed(0)} MB (indexes ${(Number(size.idx) / 1048576).toFixed(0)} MB) = ${bytesPerPoint.toFixed(1)} B per point`,
  )
  say(
    `worker RSS: after period 1 ${firstRss.w1} / ${firstRss.w2} MB, after period ${PERIODS} ${lastRss.w1} / ${lastRss.w2} MB, peak ${peaks.join(' / ')} MB`,
  )
  say(
    `metric API calls per cycle vs physical minimum: ${ratios.map(([c, r]) => `${c} ${r.toFixed(2)} (min ${minimum[c]})`).join(', ')}`,
  )
  say(
    `stored vs cloudsim: ${expected} expected points (${Object.entries(byCloud)
      .map(([c, n]) => `${c} ${n}`)
      .join(
        ', ',
      )}), ${missing} missing, ${duplicates} duplicate, ${wrong} wrong${examples.length ? ` (${examples.slice(0, 4).join('; ')})` : ''}`,
  )
  say(
    `total wall time ${secs(Date.now() - wall0)} s; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
  )

  const area = 'scale100k'
  const peak = Math.max(...peaks)
  const worstRatio = Math.max(...ratios.map(([, r]) => r))
  recordBench([
    {
      area,
      metric: `cold discovery, ${discovered} resources, ${accounts.length} accounts`,
      value: discoveryMs / 1000,
      unit: 's',
    },
    { area, metric: `metrics cycle p50, 2 workers, ${series} series`, value: pct(ms, 50) / 1000, unit: 's' },
    {
      area,
      metric: `metrics cycle max over ${PERIODS} periods`,
      value: Math.max(...ms) / 1000,
      unit: 's',
      target: '≤ 300 s',
      pass: Math.max(...ms) <= PERIOD,
    },
    {
      area,
      metric: 'rollup lag, worst tenant (max)',
      value: maxLag,
      unit: 'buckets',
      target: '≤ 1',
      pass: maxLag <= 1,
    },
    {
      area,
      metric: 'points stored end to end',
      value: Math.round(stored / (totalMs / 1000)),
      unit: 'points/s',
    },
    { area, metric: 'PostgreSQL bytes per raw point (table + indexes)', value: bytesPerPoint, unit: 'B' },
    {
      area,
      metric: 'worker RSS peak (2 workers)',
      value: peak,
      unit: 'MB',
      target: '≤ 300 MB',
      pass: peak <= 300,
    },
    {
      area,
      metric: 'metric API calls vs physical minimum (worst cloud)',
      value: worstRatio,
      unit: '×',
      target: '= 1.00',
      pass: worstRatio <= 1.0001,
    },
    {
      area,
      metric: 'points missing + duplicate + wrong vs cloudsim',
      value: missing + duplicates + wrong,
      unit: '',
      target: '= 0',
      pass: missing + duplicates + wrong === 0 && expected > 0,
    },
  ])
} finally {
  sampling = false
  for (const c of children) c.kill('SIGTERM')
  await new Promise((r) => setTimeout(r, 1500))
  for (const c of children) c.kill('SIGKILL')
  await metricsQ.close()
  await maintenanceQ.close()
  await redis.quit()
  await dropQueuePrefix(prefix)
  await pool.end()
  await sim.stop()
  await db.drop()
}
process.exit(0)
