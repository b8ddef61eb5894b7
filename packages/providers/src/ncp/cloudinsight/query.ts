/**
 * `POST /cw_fea/real/cw/api/data/query/multiple` (QueryDataMultiple): one call per planned batch. The
 * answer is one element per condition, in request order, each with `dps: [[epochMs, value], …]`
 * (docs/ncp-wire.md §5); it is validated inside the call so a garbled answer is retried, then
 * `bad_response`. Points are stamped with their bucket start, like every other cloud.
 */
import type { MetricPoint } from '../../contract'
import { badResponse, type Run } from '../../shared/call'
import type { NcpClient } from '../http'
import type { CiBatch } from './planner'

export const QUERY_MULTIPLE_PATH = '/cw_fea/real/cw/api/data/query/multiple'

export async function fetchQueryBatch(client: NcpClient, batch: CiBatch, run: Run): Promise<MetricPoint[]> {
  const answer = await run({ api: 'ncp.cloudinsight', operation: 'QueryDataMultiple' }, async () => {
    const body = await client.post('cw', QUERY_MULTIPLE_PATH, {
      timeStart: batch.start.getTime(),
      timeEnd: batch.end.getTime(),
      metricInfoList: batch.conditions,
    })
    return validate(body, batch)
  })
  const points: MetricPoint[] = []
  const start = batch.start.getTime()
  const end = batch.end.getTime()
  answer.forEach((dps, i) => {
    const s = batch.series[i]
    if (!s) return
    for (const [ts, value] of dps) {
      // Buckets that merely overlap the window's edges belong to the neighbouring polls.
      if (ts < start || ts >= end) continue
      points.push({
        nativeId: s.nativeId,
        metric: s.def.metric,
        stat: s.def.stat,
        ts: new Date(ts),
        value,
        unit: s.def.unit,
      })
    }
  })
  return points
}

function validate(body: unknown, batch: CiBatch): Array<Array<[number, number]>> {
  if (!Array.isArray(body)) throw badResponse('QueryDataMultiple did not return a list')
  if (body.length !== batch.conditions.length)
    throw badResponse(
      `QueryDataMultiple returned ${body.length} results for ${batch.conditions.length} conditions`,
    )
  return body.map((r: unknown, i) => {
    const c = batch.conditions[i]
    const el = (r ?? {}) as { metric?: unknown; dps?: unknown }
    if (el.metric !== undefined && c && el.metric !== c.metric)
      throw badResponse('QueryDataMultiple returned results out of order')
    const dps = el.dps ?? []
    if (!Array.isArray(dps)) throw badResponse('QueryDataMultiple returned a result without dps')
    return dps.map((p: unknown): [number, number] => {
      if (!Array.isArray(p) || p.length < 2) throw badResponse('QueryDataMultiple returned a malformed point')
      const [ts, v] = p as [unknown, unknown]
      const value = typeof v === 'string' ? Number(v) : v
      if (
        typeof ts !== 'number' ||
        !Number.isFinite(ts) ||
        typeof value !== 'number' ||
        !Number.isFinite(value)
      )
        throw badResponse('QueryDataMultiple returned a non-numeric point')
      return [ts, value]
    })
  })
}
