/**
 * Read helpers for dashboards (apps/web): pick the resolution for a time range, read points of a
 * tenant's series at that resolution. Runs as whatever role the pool has; under cms_app the query is
 * wrapped in a transaction that sets app.tenant_id, so RLS scopes it too.
 */
import type pg from 'pg'

export type Resolution = 'raw' | '5m' | '1h'

const TABLE: Record<Resolution, string> = {
  raw: 'ts.metric_points',
  '5m': 'ts.metric_points_5m',
  '1h': 'ts.metric_points_1h',
}
const STEP_MS: Record<Resolution, number> = { raw: 60_000, '5m': 300_000, '1h': 3_600_000 }

/**
 * The coarsest resolution that still gives ≥ ~`minPoints` per series for the range, and whose
 * retention covers the range start (raw 14 d, 5 m 90 d, 1 h 13 months by default).
 */
export function pickResolution(
  from: Date,
  to: Date,
  opts: { now?: Date; minPoints?: number; rawDays?: number; fiveMinuteDays?: number } = {},
): Resolution {
  const now = opts.now ?? new Date()
  const minPoints = opts.minPoints ?? 60
  const span = Math.max(0, to.getTime() - from.getTime())
  const age = now.getTime() - from.getTime()
  const rawOk = age <= (opts.rawDays ?? 14) * 86_400_000
  const fiveOk = age <= (opts.fiveMinuteDays ?? 90) * 86_400_000
  if (span / STEP_MS['1h'] >= minPoints || !fiveOk) return '1h'
  if (span / STEP_MS['5m'] >= minPoints || !rawOk) return '5m'
  return 'raw'
}

export interface SeriesPoint {
  seriesId: string
  ts: Date
  avg: number
  min: number
  max: number
  count: number
}

export async function readSeries(
  pool: pg.Pool,
  q: { tenantId: string; seriesIds: string[]; from: Date; to: Date; resolution?: Resolution },
): Promise<{ resolution: Resolution; points: SeriesPoint[] }> {
  const resolution = q.resolution ?? pickResolution(q.from, q.to)
  const table = TABLE[resolution]
  const cols =
    resolution === 'raw'
      ? 'value AS avg, value AS min, value AS max, 1 AS count'
      : 'sum / NULLIF(count, 0) AS avg, min, max, count'
  const client = await pool.connect()
  try {
    await client.query('BEGIN READ ONLY')
    await client.query(`SELECT set_config('app.tenant_id', $1, true)`, [q.tenantId])
    const r = await client.query<{
      series_id: string
      ts: Date
      avg: number
      min: number
      max: number
      count: number
    }>(
      `SELECT series_id::text, ts, ${cols} FROM ${table}
       WHERE tenant_id = $1 AND series_id = ANY($2::bigint[]) AND ts >= $3 AND ts < $4 ORDER BY series_id, ts`,
      [q.tenantId, q.seriesIds, q.from, q.to],
    )
    await client.query('COMMIT')
    return {
      resolution,
      points: r.rows.map((x) => ({
        seriesId: x.series_id,
        ts: x.ts,
        avg: Number(x.avg),
        min: Number(x.min),
        max: Number(x.max),
        count: Number(x.count),
      })),
    }
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {})
    throw e
  } finally {
    client.release()
  }
}
