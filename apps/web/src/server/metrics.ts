/**
 * Metric reads, choosing the storage tier by range: raw points for ≤ 6 h, 5-minute rollups for ≤ 7 d,
 * 1-hour rollups beyond (each is at most ~2,000 points for the range it serves).
 */
import { AppError } from '@cms/core'
import { tenantQuery } from './tenant-sql'
import type { TenantContext } from './tenant-guard'

export type Step = 'raw' | '5m' | '1h'

export function stepFor(rangeMs: number): Step {
  if (rangeMs <= 6 * 3600_000) return 'raw'
  if (rangeMs <= 7 * 86_400_000 + 60_000) return '5m'
  return '1h'
}

export interface MetricPointOut {
  ts: string
  value: number
  min?: number
  max?: number
}

export async function readSeries(
  t: TenantContext,
  resourceId: string,
  q: { metric: string; stat?: string; from?: string; to?: string; step: 'auto' | Step },
) {
  const to = q.to ? new Date(q.to) : new Date()
  const from = q.from ? new Date(q.from) : new Date(to.getTime() - 3600_000)
  const step = q.step === 'auto' ? stepFor(to.getTime() - from.getTime()) : q.step
  return tenantQuery(t.tenantId, async (sql) => {
    const series = await sql<{ id: string; stat: string; unit: string | null }>(
      `SELECT s.id::text AS id, s.stat, s.unit FROM metric_series s JOIN resource r ON r.id = s.resource_id AND r.tenant_id = s.tenant_id
       WHERE s.tenant_id = $1 AND s.resource_id = $2 AND s.metric = $3 AND ($4::text IS NULL OR s.stat = $4)
       ORDER BY (s.stat = 'Average') DESC, s.stat LIMIT 1`,
      [t.tenantId, resourceId, q.metric, q.stat ?? null],
    )
    const s = series[0]
    if (!s) {
      const exists = await sql('SELECT 1 FROM resource WHERE tenant_id = $1 AND id = $2', [
        t.tenantId,
        resourceId,
      ])
      throw new AppError(
        'not_found',
        exists.length ? `No metric "${q.metric}" for this resource` : 'Resource not found',
      )
    }
    let points: MetricPointOut[]
    if (step === 'raw') {
      const rows = await sql<{ ts: Date; value: number }>(
        'SELECT ts, value FROM ts.metric_points WHERE tenant_id = $1 AND series_id = $2 AND ts >= $3 AND ts < $4 ORDER BY ts LIMIT 50000',
        [t.tenantId, s.id, from, to],
      )
      points = rows.map((r) => ({ ts: r.ts.toISOString(), value: r.value }))
    } else {
      const table = step === '5m' ? 'ts.metric_points_5m' : 'ts.metric_points_1h'
      const rows = await sql<{ ts: Date; value: number; min: number; max: number }>(
        `SELECT ts, sum / NULLIF(count, 0) AS value, min, max FROM ${table}
         WHERE tenant_id = $1 AND series_id = $2 AND ts >= $3 AND ts < $4 ORDER BY ts LIMIT 50000`,
        [t.tenantId, s.id, from, to],
      )
      points = rows.map((r) => ({ ts: r.ts.toISOString(), value: r.value ?? 0, min: r.min, max: r.max }))
    }
    return {
      metric: q.metric,
      stat: s.stat,
      unit: s.unit,
      step,
      from: from.toISOString(),
      to: to.toISOString(),
      points,
    }
  })
}
