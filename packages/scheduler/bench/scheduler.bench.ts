/**
 * Scheduler benchmark (npm run bench -w @cms/scheduler): the cloudsim `scale` world (10,000 resources
 * across AWS, Azure and GCP), every account connected as its own tenant, workers as separate processes.
 * Prints: discovery time, end-to-end metrics cycle time with one worker (target ≤ 10 s), points per
 * cycle, worker RSS (target ≤ 300 MB), sustained insert rate (target ≥ 50,000 points/s), and how two
 * worker processes split a cycle.
 *
 * RSS is read from /proc/<pid>/status of the worker child process (never this process, which also runs
 * the simulator and the seeding): VmRSS after each phase and VmHWM, the peak over the worker's life.
 * The worker runs as production runs it (src/bin/build.ts): the esbuild bundle on plain node with
 * WORKER_RUNTIME's heap flags and malloc setting. BENCH_WORKER_RUNTIME=tsx runs the TypeScript sources
 * under tsx with no flags instead, for comparison; BENCH_WORKER_NODE_ARGS adds node flags;
 * BENCH_CYCLES (default 4) sets how many one-worker cycles run (growth shows across them).
 * Diagnostics: BENCH_SMAPS=1 prints where the RSS lives per phase; BENCH_SNAPSHOT_DIR writes worker heap
 * snapshots at BENCH_SNAPSHOT_PHASES (default c2 and the last cycle; also ready, discovered, first pass);
 * BENCH_POINT_BUDGET overrides tuning.maxPointsInFlight.
 */
import type { ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import { startCloudSim } from '@cms/cloudsim'
import { LocalKeyring } from '@cms/core'
import { createPool } from '@cms/db'
import { createTenant, createTestDatabase, testVault } from '@cms/db/testing'
import { upsertPoints, type PointRow } from '../src/storage/points'
import { spawnWorker } from '../src/testing/fault-harness'
import { connectSimAccount, dropQueuePrefix, REDIS_URL, until } from '../src/testing/harness'
import { recordBench } from '../../../bench/lib'
import { buildWorkerBundle, WORKER_RUNTIME } from '../src/bin/build'

const RESOURCES = Number(process.argv[2] ?? 10_000)
const PERIOD = 300_000
const say = (s: string) => console.log(`[bench] ${s}`)
const RUNTIME = process.env.BENCH_WORKER_RUNTIME === 'tsx' ? 'tsx' : 'bundle'
const nodeArgs = [
  ...(RUNTIME === 'bundle' ? WORKER_RUNTIME.nodeArgs : []),
  ...(process.env.BENCH_WORKER_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
]
const workerEnv: Record<string, string> = RUNTIME === 'bundle' ? WORKER_RUNTIME.env : {}
const CYCLES = Math.max(2, Number(process.env.BENCH_CYCLES ?? 4))
const SNAPSHOT_PHASES = (process.env.BENCH_SNAPSHOT_PHASES ?? `c2,c${CYCLES}`).split(',')

const rssMb = (pid: number) => {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0)
  return { rss: Math.round(kb('VmRSS') / 1024), peak: Math.round(kb('VmHWM') / 1024) }
}

/** The worker's own view (IPC to worker-child): heap after a full GC = live data; the rest of RSS is code, native and freed-but-kept pages. */
const workerMem = (child: ChildProcess) =>
  new Promise<{ heapUsed: number; heapTotal: number; external: number; arrayBuffers: number }>((resolve) => {
    const on = (m: {
      mem?: { heapUsed: number; heapTotal: number; external: number; arrayBuffers: number }
    }) => {
      if (!m.mem) return
      child.off('message', on)
      resolve(m.mem)
    }
    child.on('message', on)
    child.send({ mem: true, gc: true })
  })
const mb = (n: number) => Math.round(n / 1048576)
/** RSS as the worker runs (read before the forced GC, which could only lower it), then its live heap. */
let lastRss = 0
const sample = async (child: ChildProcess, label: string): Promise<string> => {
  lastRss = rssMb(child.pid!).rss
  if (process.env.BENCH_SMAPS) {
    // Where the RSS lives: mappings grouped by kind, largest first (diagnostics only).
    const groups = new Map<string, number>()
    let cur = ''
    for (const line of readFileSync(`/proc/${child.pid}/smaps`, 'utf8').split('\n')) {
      const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line)
      if (head) cur = head[1] || '[anon]'
      const rss = /^Rss:\s+(\d+) kB/.exec(line)
      if (rss) groups.set(cur, (groups.get(cur) ?? 0) + Number(rss[1]))
    }
    say(
      `smaps ${label}: ${[...groups]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 6)
        .map(([k, v]) => `${k.split('/').pop()} ${Math.round(v / 1024)}`)
        .join(', ')}`,
    )
  }
  const m = await workerMem(child)
  if (process.env.BENCH_SNAPSHOT_DIR && SNAPSHOT_PHASES.includes(label))
    await new Promise<void>((resolve) => {
      child.once('message', () => resolve())
      child.send({ snapshot: `${process.env.BENCH_SNAPSHOT_DIR}/worker-${label}.heapsnapshot` })
    })
  return `${label} ${lastRss} (heap ${mb(m.heapUsed)}/${mb(m.heapTotal)}, ext ${mb(m.external)})`
}

const sim = await startCloudSim({ seed: 1, scenario: 'scale', resources: RESOURCES, port: 0 })
const db = await createTestDatabase()
const keySpec = LocalKeyring.generateKeySpec('bench1')
const vault = testVault(keySpec)
const prefix = `bench-${randomUUID().slice(0, 8)}`
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null })
const metricsQ = new Queue('metrics', { connection: redis, prefix: `{${prefix}}` })
const pool = createPool({ url: db.url, role: 'cms_worker', max: 8 })
pool.on('error', () => {})
const children: ChildProcess[] = []

try {
  // Every simulated account becomes a tenant. Scheduled intervals are long: the bench drives cycles.
  const settings = {
    schedule: {
      discoveryIntervalMs: 3600_000,
      metricsIntervalMs: 3600_000,
      billingIntervalMs: 24 * 3600_000,
    },
  }
  const accounts: Array<{ tenantId: string; accountId: string }> = []
  for (const a of sim.control.accounts()) {
    const t = await createTenant(db.worker)
    await db.worker.organization.update({ where: { id: t.id }, data: { settings, planId: 'enterprise' } })
    const acc = await connectSimAccount(db.worker, vault, t.id, a)
    accounts.push({ tenantId: t.id, accountId: acc.id })
  }
  const simTotal = sim.control.summary().total
  say(
    `world: ${simTotal} resources in ${accounts.length} accounts (${Object.entries(
      sim.control.summary().byCloud,
    )
      .map(([c, n]) => `${c} ${n}`)
      .join(', ')})`,
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
    ...(process.env.BENCH_POINT_BUDGET
      ? { tuning: { maxPointsInFlight: Number(process.env.BENCH_POINT_BUDGET) } }
      : {}),
  }
  const script =
    RUNTIME === 'bundle'
      ? await buildWorkerBundle(
          join(import.meta.dirname, '../src/testing/worker-child.ts'),
          join(import.meta.dirname, '../dist/worker-child.mjs'),
        )
      : undefined
  const t0 = Date.now()
  const w1 = await spawnWorker(childOpts, nodeArgs, script, workerEnv)
  children.push(w1)
  const phases: string[] = [await sample(w1, 'ready')]
  // Discovery of every account, then the first metrics pass.
  await until(
    async () => (await db.worker.resource.count({ where: { terminatedAt: null } })) >= simTotal * 0.99,
    300_000,
    500,
  )
  const discovered = await db.worker.resource.count({ where: { terminatedAt: null } })
  const discoveryMs = Date.now() - t0
  say(
    `discovery: ${discovered} resources stored in ${((Date.now() - t0) / 1000).toFixed(1)} s (cold start, all accounts)`,
  )
  phases.push(await sample(w1, 'discovered'))
  // Scheduled ticks ran at start (before anything was discovered); the first pass is triggered here.
  await metricsQ.addBulk(
    accounts.map((a) => ({
      name: 'metrics.tick',
      data: a,
      opts: { jobId: `bench/warm/${a.accountId}`, removeOnComplete: { age: 3600 } },
    })),
  )
  const groups = async () =>
    (
      await pool.query<{ n: number; m: Date | null }>(
        'SELECT count(*)::int AS n, min(high_water) AS m FROM metric_watermark',
      )
    ).rows[0]!
  await until(
    async () => {
      const g = await groups()
      const regions = (
        await pool.query<{ n: number }>(
          `SELECT count(DISTINCT (account_id, region))::int AS n FROM resource WHERE terminated_at IS NULL AND type NOT IN ('vpc','subnet','azure.vnet','gcp.network','azure.sql_server')`,
        )
      ).rows[0]!.n
      if (process.env.BENCH_LOG) say(`watermarks ${g.n} / regions ${regions}`)
      return g.n >= regions && g.n > 0
    },
    120_000,
    2000,
  )
  say(
    `first metrics pass done at ${((Date.now() - t0) / 1000).toFixed(1)} s; series: ${await db.worker.metricSeries.count()}`,
  )
  phases.push(await sample(w1, 'first pass'))

  const points = async () =>
    Number((await pool.query<{ n: string }>('SELECT count(*)::text AS n FROM ts.metric_points')).rows[0]!.n)

  /** One cycle: the clock moves one period, every account's tick is enqueued, wait for every mark. */
  async function cycle(label: string) {
    const before = await groups()
    const target = before.m!.getTime() + PERIOD
    sim.control.advanceClock(PERIOD)
    await new Promise((r) => setTimeout(r, 250)) // the workers' clocks poll the simulator every 100 ms
    const p0 = await points()
    const start = Date.now()
    await metricsQ.addBulk(
      accounts.map((a) => ({
        name: 'metrics.tick',
        data: a,
        opts: { jobId: `bench/${label}/${a.accountId}`, removeOnComplete: { age: 3600 } },
      })),
    )
    await until(async () => ((await groups()).m?.getTime() ?? 0) >= target, 300_000, 100)
    const ms = Date.now() - start
    const added = (await points()) - p0
    return { ms, added }
  }

  const cycles: Array<{ ms: number; added: number }> = []
  for (let i = 1; i <= CYCLES; i++) {
    cycles.push(await cycle(`c${i}`))
    phases.push(await sample(w1, `c${i}`))
  }
  const last = cycles[cycles.length - 1]!
  say(
    `metrics cycle, 1 worker: ${cycles.map((c) => (c.ms / 1000).toFixed(2)).join(', ')} s (target ≤ 10 s) — ${last.added} new points per cycle (${Math.round(last.added / (last.ms / 1000))} points/s end to end)`,
  )
  const mem = rssMb(w1.pid!)
  say(
    `worker RSS (${RUNTIME}): ${lastRss} MB after the last cycle, ${mem.peak} MB peak (target ≤ 300 MB; node ${nodeArgs.join(' ') || 'defaults'})`,
  )
  const slowest = Math.max(...cycles.map((c) => c.ms))
  recordBench([
    {
      area: 'scheduler',
      metric: `cold discovery, ${discovered} resources`,
      value: discoveryMs / 1000,
      unit: 's',
    },
    {
      area: 'scheduler',
      metric: 'metrics cycle, 1 worker (slowest)',
      value: slowest / 1000,
      unit: 's',
      target: '≤ 10 s',
      pass: slowest <= 10_000,
    },
    {
      area: 'scheduler',
      metric: `worker RSS after ${CYCLES} cycles (${RUNTIME})`,
      value: lastRss,
      unit: 'MB',
      target: '≤ 300 MB',
      pass: lastRss <= 300,
    },
    {
      area: 'scheduler',
      metric: `worker peak RSS (${RUNTIME})`,
      value: mem.peak,
      unit: 'MB',
      target: '≤ 300 MB',
      pass: mem.peak <= 300,
    },
  ])
  say(`worker RSS by phase (MB; heap used/total and external after a forced GC): ${phases.join(', ')}`)

  // Two processes: the same cycle, split by BullMQ between them.
  const w2 = await spawnWorker(childOpts, nodeArgs, script, workerEnv)
  children.push(w2)
  const since = Date.now()
  const c3 = await cycle('two-workers')
  const done = await metricsQ.getJobs(['completed'], 0, 5000)
  const split = new Map<string, number>()
  for (const j of done) {
    if (j.name !== 'metrics.fetch' || (j.finishedOn ?? 0) < since) continue
    const by = j.processedBy ?? 'unknown'
    split.set(by, (split.get(by) ?? 0) + 1)
  }
  say(
    `metrics cycle, 2 workers: ${(c3.ms / 1000).toFixed(2)} s; fetch jobs per worker: ${[...split.entries()].map(([k, n]) => `${k.split(':').pop()}=${n}`).join(', ')}`,
  )

  // Sustained insert rate of the storage layer: fresh points, bulk upsert, 4 connections in parallel.
  const tenant = await createTenant(db.worker)
  const N = 1_000_000
  const SERIES = 50_000
  const base = Date.UTC(2026, 10, 27, 0, 0, 0)
  const started = Date.now()
  let written = 0
  await Promise.all(
    [0, 1, 2, 3].map(async (lane) => {
      const client = await pool.connect()
      try {
        for (let chunk = lane; chunk * 20_000 < N; chunk += 4) {
          const rows: PointRow[] = []
          for (let i = chunk * 20_000; i < Math.min(N, (chunk + 1) * 20_000); i++)
            rows.push({
              seriesId: String(1_000_000 + (i % SERIES)),
              ts: base + Math.floor(i / SERIES) * 60_000,
              value: i,
            })
          await client.query('BEGIN')
          const n = await upsertPoints(client, tenant.id, randomUUID(), rows)
          written += n
          await client.query('COMMIT')
        }
      } finally {
        client.release()
      }
    }),
  )
  const secs = (Date.now() - started) / 1000
  recordBench([
    {
      area: 'scheduler',
      metric: 'storage insert rate (bulk upsert, 4 connections)',
      value: Math.round(written / secs),
      unit: 'points/s',
      target: '≥ 50,000',
      pass: written / secs >= 50_000,
    },
  ])
  say(
    `insert rate: ${written} points in ${secs.toFixed(2)} s = ${Math.round(written / secs)} points/s (target ≥ 50,000)`,
  )
} finally {
  for (const c of children) c.kill('SIGTERM')
  await new Promise((r) => setTimeout(r, 1500))
  for (const c of children) c.kill('SIGKILL')
  await metricsQ.close()
  await redis.quit()
  await dropQueuePrefix(prefix)
  await pool.end()
  await sim.stop()
  await db.drop()
}
process.exit(0)
