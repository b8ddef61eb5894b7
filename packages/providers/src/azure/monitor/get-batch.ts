import type { MetricsClient, MetricsQueryResult } from '@azure/monitor-query-metrics'
import type { MetricPoint } from '../../contract'
import type { Run } from '../../shared/call'
import { badResponse } from '../../shared/call'
import type { AzBatch } from './planner'

export type GetBatchApi = Pick<MetricsClient, 'queryResources'>

type Agg = 'average' | 'total' | 'maximum' | 'minimum' | 'count'
const AGGS = new Set<string>(['average', 'total', 'maximum', 'minimum', 'count'])

/** One metrics:getBatch call for ≤ 50 resources × ≤ 20 metrics. Billable unit: the call. */
export async function fetchGetBatch(api: GetBatchApi, b: AzBatch, run: Run): Promise<MetricPoint[]> {
  const results = await run({ api: 'azure.metrics', operation: 'getBatch', units: 1 }, async () => {
    const r = await api.queryResources(
      b.resourceIds,
      b.defs.map((d) => d.metric),
      b.namespace,
      { startTime: b.start, endTime: b.end, interval: b.interval, aggregation: b.aggregation },
    )
    if (!Array.isArray(r)) throw badResponse('metrics:getBatch returned no values')
    for (const x of r)
      if (!x.resourceId || !Array.isArray(x.metrics))
        throw badResponse('metrics:getBatch returned a value without resource id or metrics')
    return r
  })
  const ids = new Map(b.resourceIds.map((id) => [id.toLowerCase(), id]))
  const defs = new Map(b.defs.map((d) => [d.metric.toLowerCase(), d]))
  const points: MetricPoint[] = []
  for (const res of results as MetricsQueryResult[]) {
    // Azure upper-cases resource-group segments in some answers: match ids case-insensitively, report ours.
    const nativeId = ids.get((res.resourceId ?? '').toLowerCase())
    if (!nativeId) continue
    for (const metric of res.metrics) {
      const def = defs.get((metric.name ?? '').toLowerCase())
      if (!def) continue
      const agg = def.stat.toLowerCase()
      if (!AGGS.has(agg)) continue
      for (const ts of metric.timeseries ?? [])
        for (const v of ts.data ?? []) {
          const value = v[agg as Agg]
          if (value === undefined || value === null) continue // no data in that grain
          if (
            typeof value !== 'number' ||
            !(v.timeStamp instanceof Date) ||
            Number.isNaN(v.timeStamp.getTime())
          )
            throw badResponse('metrics:getBatch returned a malformed data point')
          points.push({
            nativeId,
            metric: def.metric,
            stat: def.stat,
            ts: v.timeStamp,
            value,
            unit: def.unit,
          })
        }
    }
  }
  return points
}
