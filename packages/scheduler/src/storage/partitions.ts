/**
 * Partition maintenance and retention per resolution. ts.ensure_partitions (SECURITY DEFINER, see the
 * scheduler migration) creates partitions ahead and moves any rows already sitting in the DEFAULT
 * partition for that range, so creation never fails; ts.drop_partitions_before drops whole expired
 * partitions and deletes expired rows from DEFAULT.
 */
import type pg from 'pg'
import { DEFAULT_RETENTION, type RetentionSettings } from '../plans'

const DAY_MS = 86_400_000

export async function ensurePartitions(pool: pg.Pool, now = new Date(), daysAhead = 7): Promise<number> {
  const r = await pool.query<{ n: number }>(
    `SELECT ts.ensure_partitions('metric_points', 'day', $1::timestamptz - interval '1 day', $2)
          + ts.ensure_partitions('metric_points_5m', 'month', $1::timestamptz, 3)
          + ts.ensure_partitions('metric_points_1h', 'month', $1::timestamptz, 3) AS n`,
    [now, daysAhead + 2],
  )
  return Number(r.rows[0]?.n ?? 0)
}

export function retentionCutoffs(now: Date, r: RetentionSettings = DEFAULT_RETENTION) {
  const hourCut = new Date(now)
  hourCut.setUTCMonth(hourCut.getUTCMonth() - r.hourMonths)
  return {
    raw: new Date(now.getTime() - r.rawDays * DAY_MS),
    fiveMinute: new Date(now.getTime() - r.fiveMinuteDays * DAY_MS),
    hour: hourCut,
  }
}

export async function applyRetention(
  pool: pg.Pool,
  now = new Date(),
  r: RetentionSettings = DEFAULT_RETENTION,
): Promise<number> {
  const c = retentionCutoffs(now, r)
  const res = await pool.query<{ n: number }>(
    `SELECT ts.drop_partitions_before('metric_points', $1) + ts.drop_partitions_before('metric_points_5m', $2)
          + ts.drop_partitions_before('metric_points_1h', $3) AS n`,
    [c.raw, c.fiveMinute, c.hour],
  )
  return Number(res.rows[0]?.n ?? 0)
}
