import type { MetricServiceClient, protos } from '@google-cloud/monitoring'
import type { MetricPoint } from '../../contract'
import type { Run } from '../../shared/call'
import { badResponse } from '../../shared/call'
import { collectPages } from '../../shared/paging'
import { withDeadline } from '../clients'
import type { GcpListCall } from './planner'

export type TimeSeriesApi = Pick<MetricServiceClient, 'listTimeSeries'>

const ts = (d: Date) => ({ seconds: Math.floor(d.getTime() / 1000), nanos: 0 })

/** One timeSeries.list (plus its pages) for one metric type of one project. */
export async function fetchTimeSeries(
  api: TimeSeriesApi,
  c: GcpListCall,
  run: Run,
  signal?: AbortSignal,
): Promise<MetricPoint[]> {
  const wanted = new Set(c.ids)
  const series = await collectPages(
    run,
    { api: 'gcp.monitoring', operation: 'timeSeries.list', units: 1 },
    async (token) => {
      const [items, next] = await withDeadline(
        (o) =>
          api.listTimeSeries(
            {
              name: `projects/${c.projectId}`,
              filter: c.filter,
              interval: { startTime: ts(c.start), endTime: ts(c.end) },
              aggregation: {
                alignmentPeriod: { seconds: c.def.periodSeconds },
                perSeriesAligner: c.aligner as unknown as protos.google.monitoring.v3.Aggregation.Aligner,
              },
              view: 'FULL',
              pageSize: 100_000,
              ...(token ? { pageToken: token } : {}),
            },
            o,
          ),
        signal,
      )
      if (!Array.isArray(items)) throw badResponse('timeSeries.list returned no series')
      return { items, next: next?.pageToken || undefined }
    },
  )
  const points: MetricPoint[] = []
  const periodMs = c.def.periodSeconds * 1000
  for (const s of series) {
    const id = s.resource?.labels?.[c.idLabel]
    if (!id || !wanted.has(id)) continue
    for (const p of s.points ?? []) {
      const end = p.interval?.endTime?.seconds
      if (end === null || end === undefined)
        throw badResponse('timeSeries.list returned a point without an end time')
      const v = p.value
      const value =
        v?.doubleValue ??
        (v?.int64Value !== null && v?.int64Value !== undefined ? Number(v.int64Value) : undefined)
      if (typeof value !== 'number' || !Number.isFinite(value))
        throw badResponse('timeSeries.list returned a non-numeric point')
      // Aligned points are stamped with the period's end; ours (like CloudWatch and Azure) with its start.
      points.push({
        nativeId: id,
        metric: c.def.metric,
        stat: c.def.stat,
        ts: new Date(Number(end) * 1000 - periodMs),
        value,
        unit: c.def.unit,
      })
    }
  }
  return points
}
