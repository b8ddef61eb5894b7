import type { CloudWatch, MetricDataResult } from '@aws-sdk/client-cloudwatch'
import type { MetricPoint } from '../../contract'
import type { Run } from '../../shared/call'
import { badResponse } from '../../shared/call'
import { collectPages } from '../../shared/paging'
import type { CwBatch } from './planner'

export type GetMetricDataApi = Pick<CloudWatch, 'getMetricData'>

/** One GetMetricData call per batch (plus NextToken pages, which the planner's limits make rare). */
export async function fetchBatch(api: GetMetricDataApi, batch: CwBatch, run: Run): Promise<MetricPoint[]> {
  const byId = new Map(batch.queries.map((q) => [q.id, q.series]))
  const queries = batch.queries.map((q) => ({
    Id: q.id,
    MetricStat: {
      Metric: {
        Namespace: q.series.namespace,
        MetricName: q.series.def.metric,
        Dimensions: q.series.dimensions,
      },
      Period: batch.periodSeconds,
      Stat: q.series.def.stat,
    },
    ReturnData: true,
  }))
  const results = await collectPages(
    run,
    { api: 'cloudwatch', operation: 'GetMetricData', units: queries.length },
    async (token) => {
      const out = await api.getMetricData({
        MetricDataQueries: queries,
        StartTime: batch.start,
        EndTime: batch.end,
        ScanBy: 'TimestampAscending',
        ...(token ? { NextToken: token } : {}),
      })
      if (!out.MetricDataResults) throw badResponse('GetMetricData returned no results')
      for (const r of out.MetricDataResults) validate(r, byId)
      return { items: out.MetricDataResults, next: out.NextToken }
    },
  )
  const points: MetricPoint[] = []
  for (const r of results) {
    const s = byId.get(r.Id as string)
    if (!s) continue
    const ts = r.Timestamps ?? []
    const vs = r.Values ?? []
    for (let i = 0; i < ts.length; i++)
      points.push({
        nativeId: s.nativeId,
        metric: s.def.metric,
        stat: s.def.stat,
        ts: ts[i] as Date,
        value: vs[i] as number,
        unit: s.def.unit,
      })
  }
  return points
}

function validate(r: MetricDataResult, byId: Map<string, unknown>): void {
  if (!r.Id || !byId.has(r.Id))
    throw badResponse(`GetMetricData returned an unknown query id ${JSON.stringify(r.Id ?? null)}`)
  const ts = r.Timestamps ?? []
  const vs = r.Values ?? []
  if (ts.length !== vs.length)
    throw badResponse('GetMetricData returned timestamps and values of different lengths')
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i]
    if (!(t instanceof Date) || Number.isNaN(t.getTime()))
      throw badResponse('GetMetricData returned an invalid timestamp')
    if (typeof vs[i] !== 'number' || !Number.isFinite(vs[i]))
      throw badResponse('GetMetricData returned a non-numeric value')
  }
}
