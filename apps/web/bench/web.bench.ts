/**
 * Web read-path benchmark (issues #7, #10): dashboard API p50/p95 with 55 M stored 1-minute points.
 *
 * What it seeds (SPEC below), into one organization:
 *   - 1,000 resources: 4 AWS accounts × 250 (428 EC2 instances, 144 RDS instances, 140 NAT gateways,
 *     144 VPCs, 144 subnets; 2 % "new"), with daily costs (45 d) and the API-call ledger (30 d) —
 *     demo-seed's seedEstate, without its synthetic points (metricPoints: false);
 *   - 1,284 metric series: EC2 CPUUtilization + NetworkIn, RDS CPUUtilization + FreeableMemory, NAT
 *     gateway BytesOutToDestination;
 *   - 30 days of raw 1-minute points for every series, ending at the seed's "anchor" minute: 43,200 per
 *     series, 55,468,800 rows in ts.metric_points (one INSERT … SELECT generate_series per UTC-day
 *     partition, two days at a time; partitions from the scheduler's ensurePartitions);
 *   - their 5 m and 1 h rollups (~11.09 M and ~0.92 M rows), computed set-based per day from the
 *     stored raw points (5 m) and 5 m rows (1 h) — min/max/sum/count, as the scheduler's rollup job
 *     computes them per bucket. The seed checks that: it marks the last hour of one account dirty, runs
 *     the job (drainRollups) and requires it to change no row.
 * VACUUM (ANALYZE) runs before that check. Retention (raw 14 d by default) never runs here, so all 30
 * days stay stored. Seeding took ~7.5 minutes with other test runs sharing the 2 cores; ~10 GB on disk.
 *
 * It then times, through the real route handlers and data layer (60 iterations, or argv[2]): the
 * overview, two inventory pages, and a 7-day chart (GET /resources/{id}/metrics, served from the 5 m
 * rollups: 2,016 points) ending at the anchor; and records the stored raw point count.
 *
 * The seeded database is cached as cms_bench_web_<hash of the migrations, SPEC, demo-seed.ts and the
 * scheduler's rollups.ts/partitions.ts> and reused while its seed record (the database comment, set
 * last) is present, it is less than 7 days old and its live row counts equal the recorded ones;
 * otherwise it is dropped and reseeded. Other cms_bench_web_* databases are dropped. Bump SPEC.version
 * when the seeding in this file changes. Remove the cache with DROP DATABASE cms_bench_web_<hash>.
 *   npm run bench -w @cms/web   or   npm run bench web   (needs PostgreSQL)
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import pg from 'pg'
import { LocalKeyring } from '@cms/core'
import { createPool, createPrisma, repoRoot } from '@cms/db'
import { TEST_ADMIN_URL, ensureTemplate } from '@cms/db/testing'
import { ensurePartitions } from '@cms/scheduler/storage/partitions'
import { drainRollups } from '@cms/scheduler/storage/rollups'
import { call, PUBLIC_URL } from '../test/harness'
import { recordBench } from '../../../bench/lib'

const N = Number(process.argv[2] ?? 60)
const DAY_MS = 86_400_000

/** Bump `version` whenever the seeding below changes meaning (it is part of the cache name). */
const SPEC = {
  version: 1,
  estate: { accounts: 4, resourcesPerAccount: 250, days: 30, newFraction: 0.02 },
  rawDays: 30,
  /** Series beyond seedEstate's (EC2 CPUUtilization + NetworkIn, RDS CPUUtilization): 1,284 in all. */
  extraSeries: [
    ['rds.instance', 'FreeableMemory', 'Bytes'],
    ['nat_gateway', 'BytesOutToDestination', 'Bytes'],
  ],
}
const MAX_CACHE_AGE_DAYS = 7
const CACHE_PREFIX = 'cms_bench_web_'

interface SeedMeta {
  key: string
  anchor: string
  tenantId: string
  series: number
  points: number
  rows5m: number
  rows1h: number
  seedSeconds: number
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url)
  u.pathname = `/${name}`
  return u.toString()
}

async function adminClient(db = 'postgres') {
  const c = new pg.Client({ connectionString: withDatabase(TEST_ADMIN_URL, db) })
  await c.connect()
  return c
}

function pct(xs: number[], p: number) {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!
}

async function time(label: string, fn: () => Promise<unknown>, target: number) {
  for (let i = 0; i < 5; i++) await fn()
  const xs: number[] = []
  for (let i = 0; i < N; i++) {
    const t0 = performance.now()
    await fn()
    xs.push(performance.now() - t0)
  }
  const p95 = pct(xs, 95)
  recordBench([
    { area: 'web', metric: `${label.trim()} p50`, value: pct(xs, 50), unit: 'ms' },
    {
      area: 'web',
      metric: `${label.trim()} p95`,
      value: p95,
      unit: 'ms',
      target: Number.isFinite(target) ? `≤ ${target} ms` : undefined,
      pass: p95 <= target,
    },
  ])
  console.log(
    `${label.padEnd(34)} p50 ${pct(xs, 50).toFixed(1).padStart(7)} ms   p95 ${p95.toFixed(1).padStart(7)} ms   target p95 ≤ ${target} ms ${p95 <= target ? 'OK' : 'MISSED'}`,
  )
}

/** Exact row counts of the seeded organization's stored data. */
async function countRows(c: pg.Pool | pg.Client, tenantId: string) {
  const r = await c.query<{ series: string; points: string; rows5m: string; rows1h: string }>(
    `SELECT (SELECT count(*) FROM metric_series WHERE tenant_id = $1) AS series,
            (SELECT count(*) FROM ts.metric_points WHERE tenant_id = $1) AS points,
            (SELECT count(*) FROM ts.metric_points_5m WHERE tenant_id = $1) AS rows5m,
            (SELECT count(*) FROM ts.metric_points_1h WHERE tenant_id = $1) AS rows1h`,
    [tenantId],
  )
  const x = r.rows[0]!
  return {
    series: Number(x.series),
    points: Number(x.points),
    rows5m: Number(x.rows5m),
    rows1h: Number(x.rows1h),
  }
}

/**
 * The seeded rollups are what the scheduler's job produces: mark the last hour of one account dirty,
 * run its rollup job (drainRollups), and require every 5 m / 1 h row it rewrote to be unchanged.
 */
async function checkRollups(pool: pg.Pool, tenantId: string, anchor: Date) {
  const from = new Date(Math.floor(anchor.getTime() / 3600_000) * 3600_000 - 3600_000)
  const snapshot = async () => {
    const r = await pool.query<{ k: string; min: number; max: number; sum: number; count: number }>(
      `SELECT t || ':' || series_id || '@' || ts::text AS k, min, max, sum, count FROM (
         SELECT '5m' AS t, * FROM ts.metric_points_5m WHERE tenant_id = $1 AND ts >= $2
         UNION ALL SELECT '1h', * FROM ts.metric_points_1h WHERE tenant_id = $1 AND ts >= $2) x
       WHERE series_id IN (SELECT s.id FROM metric_series s JOIN resource r ON r.id = s.resource_id
                           WHERE r.account_id = (SELECT min(id::text)::uuid FROM cloud_account WHERE tenant_id = $1))`,
      [tenantId, from],
    )
    return new Map(r.rows.map((x) => [x.k, x]))
  }
  const before = await snapshot()
  const t0 = performance.now()
  await pool.query(
    `INSERT INTO ts.rollup_dirty (tenant_id, account_id, bucket)
     SELECT $1, (SELECT min(id::text)::uuid FROM cloud_account WHERE tenant_id = $1), b
     FROM generate_series($2::timestamptz, $3::timestamptz, interval '5 minutes') b`,
    [tenantId, from, anchor],
  )
  const { buckets } = await drainRollups(pool)
  const after = await snapshot()
  const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b))
  const changed = [...after].filter(([k, a]) => {
    const b = before.get(k)
    return !b || !close(a.min, b.min) || !close(a.max, b.max) || !close(a.sum, b.sum) || a.count !== b.count
  })
  if (changed.length || after.size !== before.size)
    throw new Error(
      `rollup job disagrees with the seeded rollups on ${changed.length} rows (e.g. ${changed[0]?.[0]})`,
    )
  console.log(
    `  rollup job over ${buckets} buckets (${after.size} rows) agrees with the seeded rollups (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
  )
}

/** Seed SPEC into the (freshly cloned, empty) database `name`. */
async function seed(name: string, key: string): Promise<SeedMeta> {
  const url = withDatabase(TEST_ADMIN_URL, name)
  const t0 = performance.now()
  const anchor = new Date(Math.floor(Date.now() / 60_000) * 60_000)
  const start = new Date(anchor.getTime() - SPEC.rawDays * DAY_MS + 60_000)
  const worker = createPrisma({ url, role: 'cms_worker', max: 2 })
  const pool = createPool({ url, role: 'cms_worker', max: 2 })
  try {
    const { seedDemoOrganization } = await import('../src/server/demo-seed')
    const demo = await seedDemoOrganization(worker, { estate: { ...SPEC.estate, metricPoints: false } })
    const tenantId = demo.organizationId
    await pool.query(
      `INSERT INTO metric_series (tenant_id, resource_id, metric, stat, unit)
       SELECT r.tenant_id, r.id, m.metric, 'Average', m.unit
       FROM resource r JOIN unnest($2::text[], $3::text[], $4::text[]) AS m(type, metric, unit) ON m.type = r.type
       WHERE r.tenant_id = $1 ON CONFLICT DO NOTHING`,
      [tenantId, ...[0, 1, 2].map((i) => SPEC.extraSeries.map((e) => e[i]))],
    )
    // Partitions for the whole range (raw: per day, rollups: per month), as the worker creates them.
    await ensurePartitions(pool, new Date(start.getTime() - DAY_MS), SPEC.rawDays + 1)
    await ensurePartitions(pool, anchor)
    // Per UTC day (one raw partition), two days at a time (two cores): the raw points, series by series
    // in key order so the primary-key index grows at its right edge; then that day's 5 m rollups from
    // the stored raw points and its 1 h rollups from those — the rows the scheduler's rollup job
    // computes for each bucket (checked below), set-based instead of bucket by bucket.
    const days: Array<[Date, Date]> = []
    for (let d = Math.floor(start.getTime() / DAY_MS) * DAY_MS; d <= anchor.getTime(); d += DAY_MS)
      days.push([new Date(d), new Date(d + DAY_MS)])
    const wave = `(50 + 35 * sin(extract(epoch FROM g) / 13751.0 + s.id) + 10 * sin(extract(epoch FROM g) / 600.0 + s.id * 3))`
    const scale = `CASE s.metric WHEN 'CPUUtilization' THEN 1 WHEN 'FreeableMemory' THEN 4e7 ELSE 1e4 END`
    let next = 0
    const loader = async () => {
      const c = await pool.connect()
      try {
        await c.query(`SET work_mem = '256MB'`)
        for (let i = next++; i < days.length; i = next++) {
          const [lo, hi] = days[i]!
          await c.query(
            `INSERT INTO ts.metric_points (tenant_id, series_id, ts, value)
             SELECT s.tenant_id, s.id, g, ${wave} * ${scale}
             FROM (SELECT tenant_id, id, metric FROM metric_series WHERE tenant_id = $1 ORDER BY id) s
             CROSS JOIN LATERAL generate_series(greatest($2::timestamptz, $4::timestamptz),
               least($3::timestamptz - interval '1 minute', $5::timestamptz), interval '1 minute') g`,
            [tenantId, lo, hi, start, anchor],
          )
          await c.query(
            `INSERT INTO ts.metric_points_5m (tenant_id, series_id, ts, min, max, sum, count)
             SELECT tenant_id, series_id, date_bin('5 minutes', ts, timestamptz 'epoch'), min(value), max(value), sum(value), count(*)
             FROM ts.metric_points WHERE tenant_id = $1 AND ts >= $2 AND ts < $3 GROUP BY 1, 2, 3`,
            [tenantId, lo, hi],
          )
          await c.query(
            `INSERT INTO ts.metric_points_1h (tenant_id, series_id, ts, min, max, sum, count)
             SELECT tenant_id, series_id, date_bin('1 hour', ts, timestamptz 'epoch'), min(min), max(max), sum(sum), sum(count)
             FROM ts.metric_points_5m WHERE tenant_id = $1 AND ts >= $2 AND ts < $3 GROUP BY 1, 2, 3`,
            [tenantId, lo, hi],
          )
        }
      } finally {
        c.release()
      }
    }
    await Promise.all([loader(), loader()])
    console.log(`  raw points and rollups written in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
    // Visibility map and statistics, as autovacuum would leave them (and so it has nothing left to do
    // while the bench measures).
    const c = await adminClient(name)
    try {
      await c.query('VACUUM (ANALYZE)')
    } finally {
      await c.end()
    }
    await checkRollups(pool, tenantId, anchor)
    return {
      key,
      anchor: anchor.toISOString(),
      tenantId,
      ...(await countRows(pool, tenantId)),
      seedSeconds: Math.round((performance.now() - t0) / 100) / 10,
    }
  } finally {
    await Promise.all([worker.$disconnect(), pool.end()])
  }
}

/** The cache database: reused when complete and fresh, else (re)seeded. Returns its name and meta. */
async function cachedDatabase(): Promise<{ name: string; meta: SeedMeta; seeded: boolean }> {
  const template = await ensureTemplate()
  const h = createHash('sha256').update(template).update(JSON.stringify(SPEC))
  for (const f of [
    'apps/web/src/server/demo-seed.ts',
    'packages/scheduler/src/storage/rollups.ts',
    'packages/scheduler/src/storage/partitions.ts',
  ])
    h.update(readFileSync(join(repoRoot(), f)))
  const key = h.digest('hex').slice(0, 12)
  const name = `${CACHE_PREFIX}${key}`
  const admin = await adminClient()
  try {
    // One bench at a time decides (and seeds): a second one waits, then reuses.
    await admin.query('SELECT pg_advisory_lock(7242003)')
    const others = await admin.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE starts_with(datname, $1) AND datname <> $2',
      [CACHE_PREFIX, name],
    )
    for (const { datname } of others.rows) {
      // Caches of an older spec; one still in use by a running bench is left alone.
      await admin
        .query(`DROP DATABASE "${datname}"`)
        .then(() => console.log(`dropped ${datname}`))
        .catch((e: Error) => console.log(`left ${datname} in place: ${e.message}`))
    }
    const found = await admin.query<{ comment: string | null }>(
      `SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1`,
      [name],
    )
    if (found.rowCount) {
      const why = await checkCache(name, key, found.rows[0]!.comment)
      if (!why) {
        const meta = JSON.parse(found.rows[0]!.comment!) as SeedMeta
        return { name, meta, seeded: false }
      }
      console.log(`cache ${name} not reusable (${why}): reseeding`)
      await admin.query(`DROP DATABASE "${name}" WITH (FORCE)`)
    }
    // Written under its final name; complete only once the seed record (comment) is set, last.
    await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`)
    try {
      console.log(`seeding ${name} …`)
      const meta = await seed(name, key)
      await admin.query(`COMMENT ON DATABASE "${name}" IS ${admin.escapeLiteral(JSON.stringify(meta))}`)
      return { name, meta, seeded: true }
    } catch (e) {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => undefined)
      throw e
    }
  } finally {
    await admin.query('SELECT pg_advisory_unlock(7242003)').catch(() => undefined)
    await admin.end()
  }
}

/** Why the cache cannot be reused, or null when it can. */
async function checkCache(name: string, key: string, comment: string | null): Promise<string | null> {
  let meta: SeedMeta
  try {
    meta = JSON.parse(comment ?? '') as SeedMeta
  } catch {
    return 'no seed record'
  }
  if (meta.key !== key) return 'seed record of another spec'
  const age = (Date.now() - new Date(meta.anchor).getTime()) / DAY_MS
  if (!(age <= MAX_CACHE_AGE_DAYS)) return `seeded ${age.toFixed(1)} days ago`
  const c = await adminClient(name)
  try {
    const live = await countRows(c, meta.tenantId)
    for (const k of ['series', 'points', 'rows5m', 'rows1h'] as const)
      if (live[k] !== meta[k]) return `${k}: ${live[k]} stored, ${meta[k]} seeded`
  } finally {
    await c.end()
  }
  return null
}

const t0 = performance.now()
const cache = await cachedDatabase()
const { meta } = cache
console.log(
  `${cache.seeded ? 'seeded' : 'reusing'} ${cache.name}: ${meta.series} series, ${meta.points.toLocaleString('en-US')} raw 1-minute points ` +
    `(${SPEC.rawDays} d), ${meta.rows5m.toLocaleString('en-US')} 5 m + ${meta.rows1h.toLocaleString('en-US')} 1 h rollup rows; ` +
    `anchor ${meta.anchor}; ${cache.seeded ? `seed ${meta.seedSeconds} s` : `checked in ${((performance.now() - t0) / 1000).toFixed(1)} s`}`,
)
recordBench([
  {
    area: 'web',
    metric: 'stored points (raw 1-min, 1,000 resources × 30 d)',
    value: meta.points,
    unit: 'points',
    target: '≥ 50 M',
    pass: meta.points >= 50_000_000,
    note: `${meta.series} series; + ${meta.rows5m} 5 m and ${meta.rows1h} 1 h rollup rows`,
  },
  ...(cache.seeded
    ? [{ area: 'web', metric: 'seed (raw + rollups, cached after)', value: meta.seedSeconds, unit: 's' }]
    : []),
])

const url = withDatabase(TEST_ADMIN_URL, cache.name)
process.env.DATABASE_URL = url
process.env.CMS_MASTER_KEYS = LocalKeyring.generateKeySpec('t1')
process.env.AUTH_SECRET = 'test-secret-test-secret-test-secret-0123456789'
process.env.PUBLIC_URL = PUBLIC_URL
process.env.LOG_LEVEL = process.env.TEST_LOG_LEVEL ?? 'silent'
const worker = createPrisma({ url, role: 'cms_worker', max: 2 })
const { createApiKeyFor } = await import('../src/server/demo-seed')
const { closeServices } = await import('../src/server/services')
// A key for this run only (the cache keeps no secret); removed at the end.
const apiKey = await createApiKeyFor(worker, meta.tenantId, 'read', 'bench')
try {
  const { routes } = await import('../src/server/api/routes')
  const { readOverview } = await import('../src/server/overview')
  const { authorize } = await import('../src/server/tenant-guard')
  const tenant = await authorize(new Headers({ authorization: `Bearer ${apiKey}` }), { role: 'viewer' })
  const res = await worker.resource.findFirstOrThrow({
    where: { tenantId: meta.tenantId, type: 'ec2.instance' },
    orderBy: { nativeId: 'asc' },
  })
  const to = new Date(meta.anchor)
  const from = new Date(to.getTime() - 7 * DAY_MS)
  await time('overview (all aggregates)', () => readOverview(tenant), 200)
  await time(
    'inventory page (50 rows, API)',
    () =>
      call(routes.listResources.handler, {
        query: { limit: '50', sort: 'name' },
        auth: { apiKey },
      }),
    200,
  )
  await time(
    'inventory filtered+search (API)',
    () =>
      call(routes.listResources.handler, {
        query: { limit: '50', q: 'web', region: 'eu-west-1', sort: 'lastSeenAt', order: 'desc' },
        auth: { apiKey },
      }),
    200,
  )
  await time(
    '7-day chart (metrics API, 5m)',
    async () => {
      const r = await call(routes.getResourceMetrics.handler, {
        params: { id: res.id },
        query: { metric: 'CPUUtilization', from: from.toISOString(), to: to.toISOString() },
        auth: { apiKey },
      })
      if (r.status !== 200 || r.body.step !== '5m' || (r.body.points as unknown[]).length < 2000)
        throw new Error(`chart: ${r.status} ${String(r.body.step)}`)
    },
    100,
  )
} finally {
  await closeServices()
  await worker.apiKey.deleteMany({ where: { tenantId: meta.tenantId, name: 'bench' } })
  await worker.$disconnect()
}
