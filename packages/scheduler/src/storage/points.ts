/**
 * Bulk, idempotent writes of metric points into the partitioned ts.metric_points.
 *
 * One statement per chunk: `INSERT … SELECT FROM unnest(arrays) ON CONFLICT (tenant_id, series_id, ts)
 * DO UPDATE` — a replayed job rewrites the same rows (no duplicates), a revised value replaces the old
 * one. The 5-minute buckets touched are marked dirty in ts.rollup_dirty in the same transaction, so the
 * rollup job can never miss a change (see rollups.ts for the race analysis).
 */
import type pg from 'pg'

export interface PointRow {
  seriesId: string
  /** epoch ms */
  ts: number
  value: number
}

export const FIVE_MIN_MS = 5 * 60_000
const CHUNK = 20_000

export type Queryable = Pick<pg.PoolClient, 'query'>

/** Drops exact (series, ts) repeats (last wins): ON CONFLICT cannot touch one row twice in a statement. */
export function dedupePoints(points: PointRow[]): PointRow[] {
  const seen = new Map<string, number>()
  const out: PointRow[] = []
  for (const p of points) {
    if (!Number.isFinite(p.value) || !Number.isFinite(p.ts)) continue
    const k = `${p.seriesId}@${p.ts}`
    const i = seen.get(k)
    if (i === undefined) {
      seen.set(k, out.length)
      out.push(p)
    } else out[i] = p
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
  const buckets = new Set<number>()
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK)
    const series: string[] = new Array(chunk.length)
    const ts: number[] = new Array(chunk.length)
    const values: number[] = new Array(chunk.length)
    chunk.forEach((p, j) => {
      series[j] = p.seriesId
      ts[j] = p.ts
      values[j] = p.value
      buckets.add(Math.floor(p.ts / FIVE_MIN_MS) * FIVE_MIN_MS)
    })
    const r = await client.query(
      `INSERT INTO ts.metric_points (tenant_id, series_id, ts, value)
       SELECT $1::uuid, s, to_timestamp(t / 1000.0), v FROM unnest($2::bigint[], $3::float8[], $4::float8[]) AS u(s, t, v)
       ON CONFLICT (tenant_id, series_id, ts) DO UPDATE SET value = EXCLUDED.value
       WHERE metric_points.value IS DISTINCT FROM EXCLUDED.value`,
      [tenantId, series, ts, values],
    )
    written += r.rowCount ?? 0
  }
  if (buckets.size > 0) {
    await client.query(
      `INSERT INTO ts.rollup_dirty (tenant_id, account_id, bucket)
       SELECT $1::uuid, $2::uuid, to_timestamp(b / 1000.0) FROM unnest($3::float8[]) AS u(b)
       ON CONFLICT DO NOTHING`,
      [tenantId, accountId, [...buckets]],
    )
  }
  return written
}
