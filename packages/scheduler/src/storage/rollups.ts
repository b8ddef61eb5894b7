/**
 * Incremental 5-minute and 1-hour rollups.
 *
 * Writers mark (tenant, account, 5-minute bucket) dirty in the same transaction as the raw points. The
 * rollup job takes a batch of markers (DELETE … FOR UPDATE SKIP LOCKED, so any number of workers can
 * run it), recomputes those 5-minute buckets from raw points of that account's series, then the hours
 * containing them from the 5-minute rows, all in one transaction. Recomputing (rather than adding) makes
 * it idempotent. Race: a writer that commits after our DELETE either finds our marker row locked (and
 * re-inserts it once we commit) or inserts a new one — either way the bucket is recomputed next run.
 * Two rollup jobs on one account serialize on an advisory lock (see below), so an hour is never
 * rewritten from a snapshot missing the other job's 5-minute rows.
 */
import type pg from 'pg'
import { inTransaction } from './tx'

const HOUR_MS = 3600_000

export async function runRollups(
  pool: pg.Pool,
  opts: { batch?: number } = {},
): Promise<{ buckets: number; rows5m: number; rows1h: number }> {
  const batch = opts.batch ?? 2000
  return inTransaction(pool, async (client) => {
    let rows5m = 0
    let rows1h = 0
    // Short, index-driven statements: PostgreSQL's JIT (triggered by large row estimates on partitions
    // without statistics yet) costs more than the whole statement.
    await client.query('SET LOCAL jit = off')
    const d = await client.query<{ tenant_id: string; account_id: string; bucket: Date }>(
      `DELETE FROM ts.rollup_dirty WHERE (tenant_id, account_id, bucket) IN (
         SELECT tenant_id, account_id, bucket FROM ts.rollup_dirty ORDER BY bucket LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING tenant_id, account_id, bucket`,
      [batch],
    )
    const buckets = d.rows.length
    // Group per account into contiguous spans; recompute each span in one statement.
    const byAccount = new Map<string, { tenantId: string; accountId: string; buckets: number[] }>()
    for (const r of d.rows) {
      const k = `${r.tenant_id}|${r.account_id}`
      let e = byAccount.get(k)
      if (!e) byAccount.set(k, (e = { tenantId: r.tenant_id, accountId: r.account_id, buckets: [] }))
      e.buckets.push(r.bucket.getTime())
    }
    // Two workers may hold different buckets of the same hour. One account at a time per transaction
    // (an advisory lock, taken in key order so two workers never deadlock): the second waits, then its
    // statements see the first's committed 5-minute rows, so neither writes an hour from half of them.
    for (const [key, { tenantId, accountId, buckets: bs }] of [...byAccount].sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    )) {
      await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 7))', [`rollup|${key}`])
      const series = await client.query<{ id: string }>(
        `SELECT s.id::text AS id FROM metric_series s JOIN resource r ON r.id = s.resource_id
         WHERE s.tenant_id = $1 AND r.tenant_id = $1 AND r.account_id = $2`,
        [tenantId, accountId],
      )
      const ids = series.rows.map((r) => r.id)
      if (ids.length === 0) continue
      const r5 = await client.query(
        `INSERT INTO ts.metric_points_5m (tenant_id, series_id, ts, min, max, sum, count)
         SELECT p.tenant_id, p.series_id, b.bucket, min(p.value), max(p.value), sum(p.value), count(*)
         FROM unnest($3::float8[]) AS u(ms)
         CROSS JOIN LATERAL (SELECT to_timestamp(u.ms / 1000.0) AS bucket) b
         JOIN ts.metric_points p ON p.tenant_id = $1 AND p.series_id = ANY($2::bigint[])
           AND p.ts >= b.bucket AND p.ts < b.bucket + interval '5 minutes'
         GROUP BY p.tenant_id, p.series_id, b.bucket
         ON CONFLICT (tenant_id, series_id, ts) DO UPDATE
           SET min = EXCLUDED.min, max = EXCLUDED.max, sum = EXCLUDED.sum, count = EXCLUDED.count`,
        [tenantId, ids, bs],
      )
      rows5m += r5.rowCount ?? 0
      const hours = [...new Set(bs.map((b) => Math.floor(b / HOUR_MS) * HOUR_MS))]
      const r1 = await client.query(
        `INSERT INTO ts.metric_points_1h (tenant_id, series_id, ts, min, max, sum, count)
         SELECT m.tenant_id, m.series_id, h.hour, min(m.min), max(m.max), sum(m.sum), sum(m.count)
         FROM unnest($3::float8[]) AS u(ms)
         CROSS JOIN LATERAL (SELECT to_timestamp(u.ms / 1000.0) AS hour) h
         JOIN ts.metric_points_5m m ON m.tenant_id = $1 AND m.series_id = ANY($2::bigint[])
           AND m.ts >= h.hour AND m.ts < h.hour + interval '1 hour'
         GROUP BY m.tenant_id, m.series_id, h.hour
         ON CONFLICT (tenant_id, series_id, ts) DO UPDATE
           SET min = EXCLUDED.min, max = EXCLUDED.max, sum = EXCLUDED.sum, count = EXCLUDED.count`,
        [tenantId, ids, hours],
      )
      rows1h += r1.rowCount ?? 0
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
