/**
 * Cloud Insight: GetSystemSchemaKeyList, QueryData and QueryDataMultiple (≤ 20 conditions), served
 * from the world's metric engine — the same buckets every other cloud returns (docs/ncp-wire.md §5).
 */
import { METRICS_BY_TYPE, metricSpec } from '../world/metric-catalog'
import { aggregateResource, bucketCapacity, type Stat } from '../world/metrics'
import type { ResourceType, SimResource } from '../world/types'
import { CI_BAD_REQUEST, type NcpRequest } from './ncp-types'

/** Documented product keys (compute-vserver-metric, database-vmysql-metric). */
export const NCP_PRODUCTS: { cwKey: string; prodName: string; type: ResourceType }[] = [
  { cwKey: '460438474722512896', prodName: 'Server(VPC)', type: 'ncp.server' },
  { cwKey: '470208511578607616', prodName: 'Cloud DB for MySQL(VPC)', type: 'ncp.mysql' },
]

/** QueryDataMultiple's documented limit. */
export const MAX_CONDITIONS = 20
/** A guard against accidental whole-history Min1 queries (sim choice). */
export const MAX_POINTS_PER_CONDITION = 100_000

const INTERVAL_SECONDS: Record<string, number> = {
  Min1: 60,
  Min5: 300,
  Min30: 1800,
  Hour2: 7200,
  Day1: 86400,
}
const AGGREGATION_STAT: Record<string, Stat> = {
  AVG: 'Average',
  MIN: 'Minimum',
  MAX: 'Maximum',
  SUM: 'Sum',
  COUNT: 'SampleCount',
}

export function getSystemSchemaKeyList(): unknown {
  return NCP_PRODUCTS.map((p) => ({ cw_key: p.cwKey, prodName: p.prodName }))
}

interface Condition {
  cwKey: string
  metric: string
  interval: string
  aggregation: string
  dimensions: Record<string, string>
}

function parseBody(req: NcpRequest): Record<string, unknown> {
  let v: unknown
  try {
    v = JSON.parse(req.body.toString('utf8'))
  } catch {
    throw CI_BAD_REQUEST('The request body is not valid JSON.')
  }
  if (!v || typeof v !== 'object' || Array.isArray(v))
    throw CI_BAD_REQUEST('The request body must be a JSON object.')
  return v as Record<string, unknown>
}

function window(b: Record<string, unknown>): { startSec: number; endSec: number } {
  const start = Number(b.timeStart)
  const end = Number(b.timeEnd)
  if (
    !Number.isFinite(start) ||
    !Number.isFinite(end) ||
    b.timeStart === undefined ||
    b.timeEnd === undefined
  )
    throw CI_BAD_REQUEST('timeStart and timeEnd (epoch milliseconds) are required.')
  if (end <= start) throw CI_BAD_REQUEST('timeEnd must be after timeStart.')
  return { startSec: Math.floor(start / 1000), endSec: Math.ceil(end / 1000) }
}

function condition(x: unknown, keyField: 'cw_key' | 'prodKey', where: string): Condition {
  const c = (x ?? {}) as Record<string, unknown>
  const cwKey = c[keyField]
  if (typeof cwKey !== 'string' || !cwKey) throw CI_BAD_REQUEST(`${where}${keyField} is required.`)
  if (typeof c.metric !== 'string' || !c.metric) throw CI_BAD_REQUEST(`${where}metric is required.`)
  const interval = c.interval === undefined ? 'Min1' : c.interval
  if (typeof interval !== 'string' || !(interval in INTERVAL_SECONDS))
    throw CI_BAD_REQUEST(`${where}interval must be one of Min1, Min5, Min30, Hour2, Day1.`)
  const aggregation = c.aggregation === undefined ? 'AVG' : c.aggregation
  if (typeof aggregation !== 'string' || !(aggregation in AGGREGATION_STAT))
    throw CI_BAD_REQUEST(`${where}aggregation must be one of AVG, MIN, MAX, SUM, COUNT.`)
  const dims = c.dimensions
  if (!dims || typeof dims !== 'object' || Array.isArray(dims))
    throw CI_BAD_REQUEST(`${where}dimensions is required.`)
  const dimensions: Record<string, string> = {}
  for (const [k, v] of Object.entries(dims as Record<string, unknown>)) dimensions[k] = String(v)
  if (!dimensions.instanceNo) throw CI_BAD_REQUEST(`${where}dimensions.instanceNo is required.`)
  return { cwKey, metric: c.metric, interval, aggregation, dimensions }
}

/** The caller's resource a condition names (servers by serverInstanceNo; MySQL by instance or server no). */
function target(req: NcpRequest, type: ResourceType, instanceNo: string): SimResource | undefined {
  const direct = req.sim.world.resource(instanceNo)
  if (direct) return direct.account === req.account && direct.type === type ? direct : undefined
  if (type !== 'ncp.mysql') return undefined
  return req.sim.world
    .resourcesOf(req.account)
    .find((r) => r.type === 'ncp.mysql' && r.attrs.cloudMysqlServerInstanceNo === instanceNo)
}

/** `[[bucketStartMs, value], …]` for one condition; unknown instance → no points. */
function points(req: NcpRequest, c: Condition, w: { startSec: number; endSec: number }): [number, number][] {
  const product = NCP_PRODUCTS.find((p) => p.cwKey === c.cwKey)
  if (!product) throw CI_BAD_REQUEST(`Unknown product key (cw_key) ${c.cwKey}.`)
  const spec = metricSpec(product.type, c.metric)
  if (!spec)
    throw CI_BAD_REQUEST(
      `Unknown metric ${c.metric} for ${product.prodName}; one of ${(METRICS_BY_TYPE[product.type]?.metrics ?? []).map((m) => m.name).join(', ')}.`,
    )
  const periodSec = INTERVAL_SECONDS[c.interval] ?? 60
  const opts = { ...w, periodSec, stat: AGGREGATION_STAT[c.aggregation] ?? 'Average' }
  if (bucketCapacity(opts) > MAX_POINTS_PER_CONDITION)
    throw CI_BAD_REQUEST(`The query spans more than ${MAX_POINTS_PER_CONDITION} ${c.interval} intervals.`)
  req.units++
  const r = target(req, product.type, c.dimensions.instanceNo ?? '')
  if (!r) return []
  return aggregateResource(req.sim.world.seed, r, spec, opts, req.sim.world.nowSeconds()).map((b) => [
    b.t * 1000,
    b.value,
  ])
}

export function queryData(req: NcpRequest): unknown {
  const b = parseBody(req)
  return points(req, condition(b, 'cw_key', ''), window(b))
}

export function queryDataMultiple(req: NcpRequest): unknown {
  const b = parseBody(req)
  const w = window(b)
  const list = b.metricInfoList
  if (!Array.isArray(list) || list.length === 0) throw CI_BAD_REQUEST('metricInfoList is required.')
  if (list.length > MAX_CONDITIONS)
    throw CI_BAD_REQUEST(
      `metricInfoList can contain at most ${MAX_CONDITIONS} conditions (got ${list.length}).`,
    )
  const conditions = list.map((x, i) => condition(x, 'prodKey', `metricInfoList[${i}].`))
  return conditions.map((c) => ({
    prodKey: c.cwKey,
    productName: `System/${NCP_PRODUCTS.find((p) => p.cwKey === c.cwKey)?.prodName ?? ''}`,
    metric: c.metric,
    interval: c.interval,
    aggregation: c.aggregation,
    dimensions: c.dimensions,
    dps: points(req, c, w),
  }))
}
