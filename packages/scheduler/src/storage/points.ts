/**
 * Bulk, idempotent writes of metric points into the partitioned ts.metric_points.
 *
 * One statement per chunk: `INSERT … SELECT FROM unnest(arrays) ON CONFLICT (tenant_id, series_id, ts)
 * DO UPDATE` — a replayed job rewrites the same rows (no duplicates), a revised value replaces the old
 * one. The 5-minute buckets of the rows inserted or changed are marked dirty in ts.rollup_dirty by the same
 * statement, so the rollup job can never miss a change (see rollups.ts for the race analysis).
 */
import type pg from 'pg'

export interface PointRow {
  seriesId: string
  /** epoch ms */
  ts: number
  value: number
}

const CHUNK = 20_000

export type Queryable = Pick<pg.PoolClient, 'query'>

/**
 * Drops exact (series, ts) repeats (last wins): ON CONFLICT cannot touch one row twice in a statement.
 * Sorts indices by (series, ts, position) instead of building a string key per point: a metrics job
 * handles hundreds of thousands of points and this runs under a capped heap.
 */
export function dedupePoints(points: PointRow[]): PointRow[] {
  const idx: number[] = []
  const sid = new Float64Array(points.length)
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!
    if (!Number.isFinite(p.value) || !Number.isFinite(p.ts)) continue
    sid[i] = Number(p.seriesId)
    idx.push(i)
  }
  idx.sort((a, b) => sid[a]! - sid[b]! || points[a]!.ts - points[b]!.ts || a - b)
  const out: PointRow[] = []
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k]!
    const next = idx[k + 1]
    // Keep the last of a run of equal (series, ts).
    if (next !== undefined && sid[next] === sid[i] && points[next]!.ts === points[i]!.ts) continue
    out.push(points[i]!)
  }
  return out
}

/**
 * Upserts points for one tenant and one account inside the caller's transaction; returns rows written.
 * `accountId` scopes the dirty-bucket markers so a rollup recomputes only that account's series.
 */
export async function upsertPoints(
  client: Queryable,
  tenantId: string,
  accountId: string,
  points: PointRow[],
): Promise<number> {
  const rows = dedupePoints(points)
  let written = 0
  for (let i = 0; i < rows.length; i += CHUNK) {
    const end = Math.min(rows.length, i + CHUNK)
    // Array literals built with join (one string per column) rather than pg's per-element escaping:
    // series ids are digits, timestamps integers, values finite numbers — nothing needs quoting.
    const series: string[] = new Array(end - i)
    const ts: number[] = new Array(end - i)
    const values: number[] = new Array(end - i)
    for (let j = i; j < end; j++) {
      const p = rows[j]!
      series[j - i] = p.seriesId
      ts[j - i] = p.ts
      values[j - i] = p.value
    }
    // Only rows inserted or changed come back from the upsert, and only their 5-minute buckets are
    // marked dirty: a re-read window that brings nothing new (the usual case) costs the rollups nothing.
    const r = await client.query<{ n: number }>(
      `WITH up AS (
         INSERT INTO ts.metric_points (tenant_id, series_id, ts, value)
         SELECT $1::uuid, s, to_timestamp(t / 1000.0), v FROM unnest($2::bigint[], $3::float8[], $4::float8[]) AS u(s, t, v)
         ON CONFLICT (tenant_id, series_id, ts) DO UPDATE SET value = EXCLUDED.value
         WHERE metric_points.value IS DISTINCT FROM EXCLUDED.value
         RETURNING ts
       ), dirty AS (
         INSERT INTO ts.rollup_dirty (tenant_id, account_id, bucket)
         SELECT DISTINCT $1::uuid, $5::uuid, date_bin('5 minutes', ts, timestamptz 'epoch') FROM up
         ON CONFLICT DO NOTHING
       )
       SELECT count(*)::int AS n FROM up`,
      [tenantId, `{${series.join(',')}}`, `{${ts.join(',')}}`, `{${values.join(',')}}`, accountId],
    )
    written += r.rows[0]!.n
  }
  return written
}
