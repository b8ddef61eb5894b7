/**
 * Incremental 5-minute and 1-hour rollups, set-based.
 *
 * Writers mark (tenant, account, 5-minute bucket) dirty in the same transaction as the raw points. The
 * rollup job takes a batch of markers (DELETE … FOR UPDATE SKIP LOCKED, so any number of workers can
 * run it) and, per account, recomputes those buckets from the raw points and brings their hours up to
 * date, all in one transaction. Race: a writer that commits after our DELETE either finds our marker
 * row locked (and re-inserts it once we commit) or inserts a new one — either way the bucket is
 * recomputed next run. Two rollup jobs on one account serialize on an advisory lock (see below).
 *
 * Cost per (account, contiguous span of dirty buckets): one statement — a range scan of the tenant's
 * raw rows in the span on (tenant_id, ts), grouped per series (no per-series index descent: the
 * previous design made one per series per bucket, plus one per series per hour for the hour, ~0.33 s
 * per account and bucket at 7,000 series), the 5-minute upsert, and new buckets folded into their
 * hours. Idempotent: a bucket recomputed with the same values writes nothing (and folds nothing); a
 * changed bucket has its hours recomputed from the 5-minute rows, never added twice.
 */
import type pg from 'pg'
import { inTransaction } from './tx'

const FIVE_MIN_MS = 300_000

/**
 * Distinct instants → contiguous spans [lo, hi) of whole `step`s, at most `maxSteps` long: one statement
 * per span scans only dirty time, and a long backfill is cut so one aggregate (series × steps groups)
 * stays within work_mem.
 */
export function spans(instants: number[], step: number, maxSteps = 12): Array<[number, number]> {
  const sorted = [...new Set(instants)].sort((a, b) => a - b)
  const out: Array<[number, number]> = []
  for (const t of sorted) {
    const last = out[out.length - 1]
    if (last && last[1] === t && last[1] - last[0] < maxSteps * step) last[1] = t + step
    else out.push([t, t + step])
  }
  return out
}

// One account's dirty span: the raw rows of the tenant in [lo, hi) by one range scan on (tenant_id, ts)
// (MATERIALIZED: were the series filter pushed into the scan, the planner could turn it back into one
// primary-key descent per series), grouped per series and bucket, kept for the account's series (a
// hashed array test), upserted when changed. A 5-minute row that did not exist before (not in `old`,
// the span's 5-minute rows by a range scan on their (tenant_id, ts) index — empty for a new bucket, the
// usual case) is folded into its hour at once — min/max/sum/count combine — in the same
// statement. A row that changed (a revised or late point) comes back, and its hours are recomputed
// from their 5-minute rows afterwards: a fold would count its old values too.
const ROLLUP_5M = `
  WITH agg AS MATERIALIZED (
    SELECT p.series_id, date_bin('5 minutes', p.ts, timestamptz 'epoch') AS at,
           min(p.value) AS mn, max(p.value) AS mx, sum(p.value) AS sm, count(*)::int AS n
    FROM ts.metric_points p
    WHERE p.tenant_id = $1 AND p.ts >= to_timestamp($3 / 1000.0) AND p.ts < to_timestamp($4 / 1000.0)
    GROUP BY 1, 2
  ), old AS MATERIALIZED (
    SELECT o.series_id, o.ts FROM ts.metric_points_5m o
    WHERE o.tenant_id = $1 AND o.ts >= to_timestamp($3 / 1000.0) AND o.ts < to_timestamp($4 / 1000.0)
  ), up AS (
    INSERT INTO ts.metric_points_5m AS o (tenant_id, series_id, ts, min, max, sum, count)
    SELECT $1, a.series_id, a.at, a.mn, a.mx, a.sm, a.n FROM agg a WHERE a.series_id = ANY($2::bigint[])
    ON CONFLICT (tenant_id, series_id, ts) DO UPDATE
      SET min = EXCLUDED.min, max = EXCLUDED.max, sum = EXCLUDED.sum, count = EXCLUDED.count
      WHERE (o.min, o.max, o.sum, o.count) IS DISTINCT FROM (EXCLUDED.min, EXCLUDED.max, EXCLUDED.sum, EXCLUDED.count)
    RETURNING series_id, ts, min, max, sum, count
  ), marked AS (
    SELECT up.*, NOT EXISTS (SELECT 1 FROM old WHERE old.series_id = up.series_id AND old.ts = up.ts) AS fresh
    FROM up
  ), fold AS (
    INSERT INTO ts.metric_points_1h AS o (tenant_id, series_id, ts, min, max, sum, count)
    SELECT $1, series_id, date_bin('1 hour', ts, timestamptz 'epoch'), min(min), max(max), sum(sum), sum(count)::int
    FROM marked WHERE fresh GROUP BY 2, 3
    ON CONFLICT (tenant_id, series_id, ts) DO UPDATE
      SET min = least(o.min, EXCLUDED.min), max = greatest(o.max, EXCLUDED.max),
          sum = o.sum + EXCLUDED.sum, count = o.count + EXCLUDED.count
  )
  SELECT series_id::text AS series, (extract(epoch FROM date_bin('1 hour', ts, timestamptz 'epoch')) * 1000)::float8 AS hour,
         fresh
  FROM marked`

// The hours of changed 5-minute rows, recomputed from their 5-minute rows (few series: the primary
// key serves them).
const ROLLUP_1H = `
  INSERT INTO ts.metric_points_1h AS o (tenant_id, series_id, ts, min, max, sum, count)
  SELECT $1, m.series_id, date_bin('1 hour', m.ts, timestamptz 'epoch'), min(m.min), max(m.max), sum(m.sum), sum(m.count)::int
  FROM unnest($2::bigint[], $3::float8[]) AS u(series_id, hour)
  JOIN ts.metric_points_5m m ON m.tenant_id = $1 AND m.series_id = u.series_id
   AND m.ts >= to_timestamp(u.hour / 1000.0) AND m.ts < to_timestamp(u.hour / 1000.0) + interval '1 hour'
  GROUP BY 2, 3
  ON CONFLICT (tenant_id, series_id, ts) DO UPDATE
    SET min = EXCLUDED.min, max = EXCLUDED.max, sum = EXCLUDED.sum, count = EXCLUDED.count
    WHERE (o.min, o.max, o.sum, o.count) IS DISTINCT FROM (EXCLUDED.min, EXCLUDED.max, EXCLUDED.sum, EXCLUDED.count)`

/** The two statements, for the rollup bench's plan check (BENCH_ROLLUP_EXPLAIN). */
export const ROLLUP_SQL = { fiveMinute: ROLLUP_5M, hour: ROLLUP_1H }

export async function runRollups(
  pool: pg.Pool,
  opts: { batch?: number } = {},
): Promise<{ buckets: number; rows5m: number; rows1h: number }> {
  const batch = opts.batch ?? 2000
  return inTransaction(pool, async (client) => {
    let rows5m = 0
    let rows1h = 0
    // PostgreSQL's JIT (triggered by large row estimates on partitions without statistics yet) costs
    // more than these statements; a tenant's span groups ~series × buckets rows, which would spill to
    // disk at the default 4 MB.
    await client.query("SET LOCAL jit = off; SET LOCAL work_mem = '64MB'")
    const d = await client.query<{ tenant_id: string; account_id: string; bucket: Date }>(
      `DELETE FROM ts.rollup_dirty WHERE (tenant_id, account_id, bucket) IN (
         SELECT tenant_id, account_id, bucket FROM ts.rollup_dirty ORDER BY bucket LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING tenant_id, account_id, bucket`,
      [batch],
    )
    const buckets = d.rows.length
    const byTenant = new Map<string, Map<string, number[]>>()
    for (const r of d.rows) {
      let accounts = byTenant.get(r.tenant_id)
      if (!accounts) byTenant.set(r.tenant_id, (accounts = new Map()))
      let bs = accounts.get(r.account_id)
      if (!bs) accounts.set(r.account_id, (bs = []))
      bs.push(r.bucket.getTime())
    }
    const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)
    for (const tenantId of [...byTenant.keys()].sort(byKey)) {
      const accounts = byTenant.get(tenantId)!
      const accountIds = [...accounts.keys()].sort(byKey)
      // Two workers may hold different buckets of the same hour. One account at a time (an advisory
      // lock per account, taken in key order — tenant, then account — so two workers never deadlock):
      // the second waits, then its statements see the first's committed 5-minute and hourly rows, so
      // neither folds into or rewrites an hour from a snapshot missing the other's.
      for (const accountId of accountIds) {
        await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 7))', [
          `rollup|${tenantId}|${accountId}`,
        ])
        const series = (
          await client.query<{ ids: string }>(
            `SELECT coalesce(array_agg(s.id), '{}')::text AS ids FROM metric_series s JOIN resource r ON r.id = s.resource_id
             WHERE s.tenant_id = $1 AND r.tenant_id = $1 AND r.account_id = $2`,
            [tenantId, accountId],
          )
        ).rows[0]!.ids
        if (series === '{}') continue
        const changed = new Map<string, { series: string; hour: number }>()
        for (const [lo, hi] of spans(accounts.get(accountId)!, FIVE_MIN_MS)) {
          const r = await client.query<{ series: string; hour: number; fresh: boolean }>(ROLLUP_5M, [
            tenantId,
            series,
            lo,
            hi,
          ])
          rows5m += r.rows.length
          for (const x of r.rows) {
            if (x.fresh) continue
            changed.set(`${x.series}|${x.hour}`, { series: x.series, hour: x.hour })
          }
        }
        if (changed.size === 0) continue
        const c = [...changed.values()]
        const r1 = await client.query(ROLLUP_1H, [tenantId, c.map((x) => x.series), c.map((x) => x.hour)])
        rows1h += r1.rowCount ?? 0
      }
    }
    return { buckets, rows5m, rows1h }
  })
}

/** Drains the dirty queue (bounded by `maxRounds` so one job never runs forever). */
export async function drainRollups(pool: pg.Pool, maxRounds = 50): Promise<{ buckets: number }> {
  let total = 0
  for (let i = 0; i < maxRounds; i++) {
    const r = await runRollups(pool)
    total += r.buckets
    if (r.buckets === 0) break
  }
  return { buckets: total }
}
