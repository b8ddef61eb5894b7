/**
 * Azure Monitor metrics: per-resource `GET {resourceId}/providers/Microsoft.Insights/metrics` (any
 * api-version; 2018-01-01 and 2024-02-01 are what our SDKs send) and the batch data-plane API
 * `POST /subscriptions/{sub}/metrics:getBatch` (≤ 50 resources of one subscription, region and type).
 */
import { METRICS_BY_TYPE, type MetricSpec } from '../world/metric-catalog'
import { aggregateResource, stateAt, type Stat } from '../world/metrics'
import type { SimResource } from '../world/types'
import { ArmError, type ArmReply, type ArmRequest } from './azure-types'

export const MAX_BATCH_RESOURCES = 50

const AGG: Record<string, { stat: Stat; field: string }> = {
  average: { stat: 'Average', field: 'average' },
  minimum: { stat: 'Minimum', field: 'minimum' },
  maximum: { stat: 'Maximum', field: 'maximum' },
  total: { stat: 'Sum', field: 'total' },
  count: { stat: 'SampleCount', field: 'count' },
}

/** ISO 8601 duration (PT1M … P1D) in seconds. */
export function parseDuration(s: string): number | undefined {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/i.exec(s)
  if (!m || s.toUpperCase() === 'P' || s.toUpperCase() === 'PT') return undefined
  return Number(m[1] ?? 0) * 86400 + Number(m[2] ?? 0) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0)
}

function isoNoMs(t: number): string {
  return new Date(t * 1000).toISOString().replace('.000Z', 'Z')
}

function unitName(spec: MetricSpec): string {
  return spec.unit === 'Percent'
    ? 'Percent'
    : spec.unit === 'Bytes'
      ? 'Bytes'
      : spec.unit === 'Count/Second'
        ? 'CountPerSecond'
        : 'Count'
}

interface Window {
  start: number
  end: number
  interval: number
  intervalText: string
}

function window(
  req: ArmRequest,
  startText: string | null,
  endText: string | null,
  intervalText: string | null,
): Window {
  const now = req.sim.world.nowSeconds()
  const start = startText ? Date.parse(startText) / 1000 : now - 3600
  const end = endText ? Date.parse(endText) / 1000 : now
  if (Number.isNaN(start) || Number.isNaN(end))
    throw new ArmError(400, 'BadRequest', `Invalid time range: ${startText}/${endText}`)
  if (start >= end) throw new ArmError(400, 'BadRequest', 'Timespan start must be before end.')
  const it = intervalText ?? 'PT1M'
  const interval = it.toUpperCase() === 'FULL' ? end - start : parseDuration(it)
  if (!interval || (it.toUpperCase() !== 'FULL' && interval % 60 !== 0))
    throw new ArmError(400, 'BadRequest', `Invalid interval: ${it}`)
  return { start, end, interval, intervalText: it }
}

function metricsFor(req: ArmRequest, r: SimResource, names: string[], aggs: string[], w: Window): unknown[] {
  const tm = METRICS_BY_TYPE[r.type]
  const specs = names.map((n) => {
    const spec = tm?.metrics.find((m) => m.name.toLowerCase() === n.toLowerCase())
    if (!spec)
      throw new ArmError(
        400,
        'BadRequest',
        `Failed to find metric configuration for provider: ${tm?.namespace.split('/')[0] ?? '?'}, resource Type: ${tm?.namespace.split('/').slice(1).join('/') ?? '?'}, metric: ${n}, Valid metrics: ${tm?.metrics.map((m) => m.name).join(',') ?? ''}`,
      )
    return spec
  })
  req.units += specs.length
  const now = req.sim.world.nowSeconds()
  const first = Math.floor(w.start / w.interval) * w.interval
  return specs.map((spec) => {
    const perAgg = aggs.map((a) => ({
      field: AGG[a]?.field ?? 'average',
      buckets: new Map(
        aggregateResource(
          req.sim.world.seed,
          r,
          spec,
          { startSec: w.start, endSec: w.end, periodSec: w.interval, stat: AGG[a]?.stat ?? 'Average' },
          now,
        ).map((b) => [b.t, b.value]),
      ),
    }))
    // Azure returns every interval of the timespan; intervals without data carry only the timestamp.
    const data: Record<string, string | number>[] = []
    for (let t = first; t < w.end; t += w.interval) {
      const point: Record<string, string | number> = { timeStamp: isoNoMs(t) }
      for (const a of perAgg) {
        const v = a.buckets.get(t)
        if (v !== undefined) point[a.field] = v
      }
      data.push(point)
    }
    return {
      id: `${r.id}/providers/Microsoft.Insights/metrics/${spec.name}`,
      type: 'Microsoft.Insights/metrics',
      name: { value: spec.name, localizedValue: spec.name },
      displayDescription: '',
      unit: unitName(spec),
      timeseries: [{ metadatavalues: [], data }],
      errorCode: 'Success',
    }
  })
}

function liveResource(req: ArmRequest, id: string): SimResource {
  const r = req.sim.world.resource(id)
  const s = r ? stateAt(r, req.sim.world.nowSeconds()) : undefined
  if (!r || s === undefined || s === 'terminated' || !METRICS_BY_TYPE[r.type])
    throw new ArmError(404, 'ResourceNotFound', `The Resource '${id}' was not found.`)
  return r
}

function parseAggs(text: string | null): string[] {
  const aggs = (text ?? 'Average')
    .split(',')
    .map((a) => a.trim().toLowerCase())
    .filter(Boolean)
  for (const a of aggs) if (!AGG[a]) throw new ArmError(400, 'BadRequest', `Invalid aggregation: ${a}`)
  return aggs
}

/** GET {resourceId}/providers/Microsoft.Insights/metrics */
export function resourceMetrics(req: ArmRequest, resourceId: string): ArmReply {
  req.call.api = 'azure.monitor'
  req.call.operation = 'Metrics_List'
  const r = liveResource(req, resourceId)
  const timespan = req.query.get('timespan')
  const [startText = null, endText = null] = timespan ? timespan.split('/') : []
  const w = window(req, startText, endText, req.query.get('interval'))
  const tm = METRICS_BY_TYPE[r.type]
  const names = (req.query.get('metricnames') ?? tm?.metrics[0]?.name ?? '').split(',').filter(Boolean)
  const value = metricsFor(req, r, names, parseAggs(req.query.get('aggregation')), w)
  return {
    body: {
      cost: 0,
      timespan: `${isoNoMs(w.start)}/${isoNoMs(w.end)}`,
      interval: w.intervalText,
      value,
      namespace: tm?.namespace,
      resourceregion: r.region,
    },
  }
}

/** POST /subscriptions/{sub}/metrics:getBatch */
export function metricsBatch(req: ArmRequest, sub: string): ArmReply {
  req.call.api = 'azure.monitor'
  req.call.operation = 'MetricsBatch_Batch'
  let parsed: { resourceids?: unknown }
  try {
    parsed = JSON.parse(req.body.toString('utf8')) as { resourceids?: unknown }
  } catch {
    throw new ArmError(400, 'BadRequest', 'The request body is not valid JSON.')
  }
  const ids = Array.isArray(parsed.resourceids) ? parsed.resourceids.map(String) : []
  if (ids.length === 0)
    throw new ArmError(400, 'BadRequest', 'resourceids must contain at least one resource id.')
  if (ids.length > MAX_BATCH_RESOURCES)
    throw new ArmError(
      400,
      'BadRequest',
      `The number of resource ids (${ids.length}) exceeds the maximum of ${MAX_BATCH_RESOURCES}.`,
    )
  const ns = req.query.get('metricnamespace') ?? ''
  const names = (req.query.get('metricnames') ?? '').split(',').filter(Boolean)
  if (names.length === 0) throw new ArmError(400, 'BadRequest', 'metricnames is required.')
  if (names.length > 20)
    throw new ArmError(400, 'BadRequest', 'At most 20 metric names are allowed per request.')
  const resources = ids.map((id) => {
    if (!id.toLowerCase().startsWith(`/subscriptions/${sub.toLowerCase()}/`))
      throw new ArmError(
        400,
        'BadRequest',
        `Resource ${id} is not in subscription ${sub}; all resource ids of a batch must share one subscription.`,
      )
    return liveResource(req, id)
  })
  const first = resources[0]
  if (!first) throw new ArmError(400, 'BadRequest', 'no resources')
  for (const r of resources) {
    if (r.region !== first.region || r.type !== first.type)
      throw new ArmError(
        400,
        'BadRequest',
        'All resource ids of a batch must share one region and resource type.',
      )
  }
  const tm = METRICS_BY_TYPE[first.type]
  if (ns && tm && ns.toLowerCase() !== tm.namespace.toLowerCase())
    throw new ArmError(
      400,
      'BadRequest',
      `Metric namespace ${ns} does not match the resources' type ${tm.namespace}.`,
    )
  const w = window(req, req.query.get('starttime'), req.query.get('endtime'), req.query.get('interval'))
  const aggs = parseAggs(req.query.get('aggregation'))
  const values = resources.map((r) => ({
    starttime: isoNoMs(w.start),
    endtime: isoNoMs(w.end),
    interval: w.intervalText,
    namespace: tm?.namespace,
    resourceregion: r.region,
    resourceid: r.id,
    value: metricsFor(req, r, names, aggs, w),
  }))
  return { body: { values } }
}
