/**
 * Rollup cost at two estate sizes in one run (`npm run bench rollups`, or
 * `npx tsx bench/rollups.bench.ts` in packages/scheduler): the storage layer alone, on one PostgreSQL, with the shapes of the cloudsim
 * worlds — `scale` at 10,000 resources (7 accounts, 50,000 series) and `scale100k` (70 accounts,
 * 600,000 series), each account its own tenant as in the scheduler benches.
 *
 * Per estate, PERIODS 5-minute periods are written the way metrics jobs write them (upsertPoints, one
 * point per series and minute, 4 connections; the same statement marks the buckets dirty), and after
 * each period one rollup drain folds that period's bucket of every account into the 5-minute and
 * hourly rows. Printed: the rollup time per period (median and max over the periods after the first),
 * per (account, bucket), the 100k / 10k ratio next to the series ratio, and the rollup's share of a
 * 5-minute period. For comparison the previous design (one index descent per series per bucket, the
 * hour recomputed per series) runs on the 10k estate's next period (BENCH_ROLLUP_LEGACY=0 skips it).
 *
 * BENCH_ROLLUP_SCALE (default 1) multiplies both estates' series counts (0.1 for a quick run);
 * BENCH_ROLLUP_PERIODS (default 4) sets the periods per estate; BENCH_ROLLUP_EXPLAIN=1 prints both
 * statements' plans for one account.
 */
import type pg from 'pg'
import { createPool } from '@cms/db'
import { createTestDatabase, testVault } from '@cms/db/testing'
import { recordBench } from '../../../bench/lib'
import { createTenantWithAccount } from '../src/testing/factories'
import { ensurePartitions } from '../src/storage/partitions'
import { upsertPoints, type PointRow } from '../src/storage/points'
import { drainRollups, ROLLUP_SQL } from '../src/storage/rollups'
import { inTransaction } from '../src/storage/tx'

const say = (s: string) => console.log(`[rollups] ${s}`)
const SCALE = Number(process.env.BENCH_ROLLUP_SCALE ?? 1)
const PERIODS = Math.max(2, Number(process.env.BENCH_ROLLUP_PERIODS ?? 4))
const LEGACY = process.env.BENCH_ROLLUP_LEGACY !== '0'
const PERIOD = 300_000
const METRICS = [
  'CPUUtilization',
  'NetworkIn',
  'NetworkOut',
  'StatusCheckFailed',
  'EBSReadOps',
  'EBSWriteOps',
]

interface Estate {
  label: string
  resources: number
  accounts: Array<{ tenantId: string; accountId: string; series: string[] }>
  series: number
}

const db = await createTestDatabase()
const vault = testVault()
const pool = createPool({ url: db.url, role: 'cms_worker', max: 6 })
pool.on('error', () => {})
await ensurePartitions(pool)
// Whole hours back from now, inside the prepared daily partitions; both estates write the same times.
const base = Math.floor(Date.now() / 3600_000) * 3600_000 - 3 * 3600_000

async function buildEstate(
  label: string,
  resources: number,
  accounts: number,
  series: number,
): Promise<Estate> {
  const perAccount = Math.round((series * SCALE) / accounts)
  const out: Estate = { label, resources, accounts: [], series: 0 }
  for (let a = 0; a < accounts; a++) {
    const { tenant, account } = await createTenantWithAccount(db.worker, vault)
    const nRes = Math.ceil(perAccount / METRICS.length)
    await pool.query(
      `INSERT INTO resource (id, tenant_id, account_id, cloud, region, type, native_id, state, updated_at)
       SELECT gen_random_uuid(), $1, $2, 'aws', 'us-east-1', 'ec2.instance', 'i-' || g, 'running', now()
       FROM generate_series(1, $3) g`,
      [tenant.id, account.id, nRes],
    )
    const s = await pool.query<{ id: string }>(
      `INSERT INTO metric_series (tenant_id, resource_id, metric, stat)
       SELECT r.tenant_id, r.id, m, 'Average' FROM resource r CROSS JOIN unnest($3::text[]) m
       WHERE r.tenant_id = $1 AND r.account_id = $2
       ORDER BY r.id, m LIMIT $4 RETURNING id::text`,
      [tenant.id, account.id, METRICS, perAccount],
    )
    out.accounts.push({ tenantId: tenant.id, accountId: account.id, series: s.rows.map((r) => r.id) })
    out.series += s.rows.length
  }
  return out
}

/** One period of points for every account of the estate, 4 connections in parallel. */
async function writePeriod(e: Estate, period: number): Promise<number> {
  const t0 = base + period * PERIOD
  let next = 0
  let written = 0
  await Promise.all(
    [0, 1, 2, 3].map(async () => {
      for (let i = next++; i < e.accounts.length; i = next++) {
        const a = e.accounts[i]!
        const rows: PointRow[] = []
        for (let m = 0; m < 5; m++)
          for (let k = 0; k < a.series.length; k++)
            rows.push({
              seriesId: a.series[k]!,
              ts: t0 + m * 60_000,
              value: ((k * 31 + m * 7 + period) % 101) / 3,
            })
        written += await inTransaction(pool, (c) => upsertPoints(c, a.tenantId, a.accountId, rows))
      }
    }),
  )
  return written
}

/** The previous design (before issue 17), kept here only to measure it against the new one. */
async function legacyRollups(p: pg.Pool): Promise<number> {
  return inTransaction(p, async (client) => {
    await client.query('SET LOCAL jit = off')
    const d = await client.query<{ tenant_id: string; account_id: string; bucket: Date }>(
      `DELETE FROM ts.rollup_dirty WHERE (tenant_id, account_id, bucket) IN (
         SELECT tenant_id, account_id, bucket FROM ts.rollup_dirty ORDER BY bucket LIMIT 2000 FOR UPDATE SKIP LOCKED)
       RETURNING tenant_id, account_id, bucket`,
    )
    const byAccount = new Map<string, { t: string; a: string; bs: number[] }>()
    for (const r of d.rows) {
      const k = `${r.tenant_id}|${r.account_id}`
      const e = byAccount.get(k) ?? { t: r.tenant_id, a: r.account_id, bs: [] }
      e.bs.push(r.bucket.getTime())
      byAccount.set(k, e)
    }
    for (const [key, { t, a, bs }] of [...byAccount].sort(([x], [y]) => (x < y ? -1 : 1))) {
      await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 7))', [`rollup|${key}`])
      const ids = (
        await client.query<{ id: string }>(
          `SELECT s.id::text AS id FROM metric_series s JOIN resource r ON r.id = s.resource_id
           WHERE s.tenant_id = $1 AND r.tenant_id = $1 AND r.account_id = $2`,
          [t, a],
        )
      ).rows.map((r) => r.id)
      await client.query(
        `INSERT INTO ts.metric_points_5m (tenant_id, series_id, ts, min, max, sum, count)
         SELECT p.tenant_id, p.series_id, b.bucket, min(p.value), max(p.value), sum(p.value), count(*)
         FROM unnest($3::float8[]) AS u(ms)
         CROSS JOIN LATERAL (SELECT to_timestamp(u.ms / 1000.0) AS bucket) b
         JOIN ts.metric_points p ON p.tenant_id = $1 AND p.series_id = ANY($2::bigint[])
           AND p.ts >= b.bucket AND p.ts < b.bucket + interval '5 minutes'
         GROUP BY p.tenant_id, p.series_id, b.bucket
         ON CONFLICT (tenant_id, series_id, ts) DO UPDATE
           SET min = EXCLUDED.min, max = EXCLUDED.max, sum = EXCLUDED.sum, count = EXCLUDED.count`,
        [t, ids, bs],
      )
      const hours = [...new Set(bs.map((b) => Math.floor(b / 3600_000) * 3600_000))]
      await client.query(
        `INSERT INTO ts.metric_points_1h (tenant_id, series_id, ts, min, max, sum, count)
         SELECT m.tenant_id, m.series_id, h.hour, min(m.min), max(m.max), sum(m.sum), sum(m.count)
         FROM unnest($3::float8[]) AS u(ms)
         CROSS JOIN LATERAL (SELECT to_timestamp(u.ms / 1000.0) AS hour) h
         JOIN ts.metric_points_5m m ON m.tenant_id = $1 AND m.series_id = ANY($2::bigint[])
           AND m.ts >= h.hour AND m.ts < h.hour + interval '1 hour'
         GROUP BY m.tenant_id, m.series_id, h.hour
         ON CONFLICT (tenant_id, series_id, ts) DO UPDATE
           SET min = EXCLUDED.min, max = EXCLUDED.max, sum = EXCLUDED.sum, count = EXCLUDED.count`,
        [t, ids, hours],
      )
    }
    return d.rows.length
  })
}

/** Diagnostics: the plans of both statements for the estate's first account (rolled back). */
async function explain(e: Estate, period: number) {
  const a = e.accounts[0]!
  const b = base + period * PERIOD
  const hour = Math.floor(b / 3600_000) * 3600_000
  await inTransaction(pool, async (c) => {
    await c.query("SET LOCAL jit = off; SET LOCAL work_mem = '64MB'")
    const runs: Array<[string, unknown[]]> = [
      [ROLLUP_SQL.fiveMinute, [a.tenantId, `{${a.series.join(',')}}`, b, b + PERIOD]],
      [ROLLUP_SQL.hour, [a.tenantId, a.series, a.series.map(() => hour)]],
    ]
    for (const [sql, params] of runs) {
      const r = await c.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params)
      say(`plan (${e.label}):\n${r.rows.map((x) => x['QUERY PLAN']).join('\n')}`)
    }
    await c.query('ROLLBACK')
  }).catch(() => {})
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}

/**
 * Both estates period by period, interleaved (10k period p, then 100k period p): a load change on the
 * shared machine then falls on both, so their ratio stays meaningful.
 */
async function measure(estates: Estate[]) {
  const runs = estates.map(() => [] as number[])
  for (let p = 0; p < PERIODS; p++)
    for (const [i, e] of estates.entries()) {
      const w0 = Date.now()
      await writePeriod(e, p)
      const writeMs = Date.now() - w0
      if (process.env.BENCH_ROLLUP_EXPLAIN && p === PERIODS - 1) await explain(e, p)
      const t0 = Date.now()
      const r = await drainRollups(pool)
      const ms = Date.now() - t0
      runs[i]!.push(ms)
      say(
        `${e.label} period ${p + 1}: wrote ${e.series * 5} points in ${(writeMs / 1000).toFixed(1)} s, rollups ${r.buckets} (account, bucket) pairs in ${(ms / 1000).toFixed(2)} s`,
      )
    }
  // The first period of each estate creates its hours and partitions' first pages: not counted.
  return runs.map((r) => ({ median: median(r.slice(1)), max: Math.max(...r.slice(1)) }))
}

/** Checks the estate's rollups against its raw points: every series, every bucket and hour. */
async function verify(e: Estate): Promise<{ bad5m: number; bad1h: number }> {
  const tenants = e.accounts.map((a) => a.tenantId)
  const q = (sql: string) => pool.query<{ n: number }>(sql, [tenants]).then((r) => r.rows[0]!.n)
  const bad5m = await q(`
    WITH raw AS (
      SELECT tenant_id, series_id, date_bin('5 minutes', ts, timestamptz 'epoch') AS at,
             min(value) mn, max(value) mx, sum(value) sm, count(*)::int n
      FROM ts.metric_points WHERE tenant_id = ANY($1::uuid[]) GROUP BY 1, 2, 3)
    SELECT count(*)::int AS n FROM raw FULL JOIN (SELECT * FROM ts.metric_points_5m WHERE tenant_id = ANY($1::uuid[])) m
      ON m.tenant_id = raw.tenant_id AND m.series_id = raw.series_id AND m.ts = raw.at
    WHERE m.ts IS NULL OR raw.at IS NULL OR m.min <> raw.mn OR m.max <> raw.mx OR m.count <> raw.n
       OR abs(m.sum - raw.sm) > 1e-6 * greatest(1, abs(raw.sm))`)
  const bad1h = await q(`
    WITH raw AS (
      SELECT tenant_id, series_id, date_bin('1 hour', ts, timestamptz 'epoch') AS at,
             min(value) mn, max(value) mx, sum(value) sm, count(*)::int n
      FROM ts.metric_points WHERE tenant_id = ANY($1::uuid[]) GROUP BY 1, 2, 3)
    SELECT count(*)::int AS n FROM raw FULL JOIN (SELECT * FROM ts.metric_points_1h WHERE tenant_id = ANY($1::uuid[])) m
      ON m.tenant_id = raw.tenant_id AND m.series_id = raw.series_id AND m.ts = raw.at
    WHERE m.ts IS NULL OR raw.at IS NULL OR m.min <> raw.mn OR m.max <> raw.mx OR m.count <> raw.n
       OR abs(m.sum - raw.sm) > 1e-6 * greatest(1, abs(raw.sm))`)
  return { bad5m, bad1h }
}

try {
  const small = await buildEstate('10k', 10_000, 7, 50_000)
  const large = await buildEstate('100k', 100_000, 70, 600_000)
  say(
    `estates: 10k = ${small.accounts.length} accounts, ${small.series} series; 100k = ${large.accounts.length} accounts, ${large.series} series (scale ${SCALE})`,
  )
  const [s, l] = (await measure([small, large])) as [
    { median: number; max: number },
    { median: number; max: number },
  ]
  const sv = await verify(small)
  const lv = await verify(large)
  say(
    `verified against the raw points: 10k ${sv.bad5m} wrong 5m rows, ${sv.bad1h} wrong 1h rows; 100k ${lv.bad5m} / ${lv.bad1h}`,
  )
  const seriesRatio = large.series / small.series
  const ratio = l.median / s.median
  const perPair = (m: number, e: Estate) => m / e.accounts.length
  say(
    `rollups of one 5-minute period: 10k ${(s.median / 1000).toFixed(2)} s (max ${(s.max / 1000).toFixed(2)}), 100k ${(l.median / 1000).toFixed(2)} s (max ${(l.max / 1000).toFixed(2)}) — ratio ${ratio.toFixed(2)} for ${seriesRatio.toFixed(1)}× the series; per (account, bucket) ${perPair(s.median, small).toFixed(0)} / ${perPair(l.median, large).toFixed(0)} ms; 100k uses ${((100 * l.max) / PERIOD).toFixed(1)} % of the period at worst`,
  )
  const idx = await pool.query<{ name: string; bytes: string }>(
    `SELECT i.relname AS name, sum(pg_relation_size(t.relid))::text AS bytes
     FROM (VALUES ('ts.metric_points_tenant_ts'::regclass), ('ts.metric_points_pkey'::regclass)) AS i0(oid)
     JOIN pg_class i ON i.oid = i0.oid CROSS JOIN LATERAL pg_partition_tree(i0.oid) t GROUP BY 1`,
  )
  const rawRows = Number(
    (await pool.query<{ n: string }>('SELECT count(*)::text AS n FROM ts.metric_points')).rows[0]!.n,
  )
  say(
    `raw-point indexes per point (${rawRows} points): ${idx.rows.map((r) => `${r.name} ${(Number(r.bytes) / rawRows).toFixed(1)} B`).join(', ')}`,
  )
  let legacyMs: number | undefined
  if (LEGACY) {
    await writePeriod(small, PERIODS)
    const t0 = Date.now()
    await legacyRollups(pool)
    legacyMs = Date.now() - t0
    say(
      `previous design on the 10k estate's next period: ${(legacyMs / 1000).toFixed(2)} s (${(legacyMs / small.accounts.length).toFixed(0)} ms per account and bucket) vs ${(s.median / 1000).toFixed(2)} s`,
    )
  }
  recordBench([
    {
      area: 'rollups',
      metric: `one period's rollups, 10k resources (${small.series} series)`,
      value: s.median / 1000,
      unit: 's',
    },
    {
      area: 'rollups',
      metric: `one period's rollups, 100k resources (${large.series} series), slowest`,
      value: l.max / 1000,
      unit: 's',
      target: '≪ 300 s',
      pass: l.max < PERIOD / 10,
    },
    {
      area: 'rollups',
      metric: `cost ratio 100k / 10k (series ratio ${seriesRatio.toFixed(1)})`,
      value: ratio,
      unit: '×',
      target: `≤ ${seriesRatio.toFixed(1)}`,
      pass: ratio <= seriesRatio,
    },
    {
      area: 'rollups',
      metric: 'wrong rollup rows vs raw points (both estates)',
      value: sv.bad5m + sv.bad1h + lv.bad5m + lv.bad1h,
      unit: '',
      target: '= 0',
      pass: sv.bad5m + sv.bad1h + lv.bad5m + lv.bad1h === 0,
    },
    ...(legacyMs === undefined
      ? []
      : [
          {
            area: 'rollups',
            metric: "previous design, one period's rollups at 10k",
            value: legacyMs / 1000,
            unit: 's',
          },
        ]),
  ])
} finally {
  await pool.end()
  await db.drop()
}
process.exit(0)
