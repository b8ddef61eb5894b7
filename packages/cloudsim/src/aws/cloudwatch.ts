/**
 * CloudWatch GetMetricData and ListMetrics. One handler serves awsJson1_0, rpc-v2-cbor and awsQuery:
 * the input is read loosely and the output is plain data with Date timestamps, serialized per protocol.
 *
 * Semantics: period-aligned buckets (multiples of Period since the epoch), statistics
 * Average/Minimum/Maximum/Sum/SampleCount/pNN over one-minute samples, ≤ 500 queries, MaxDatapoints
 * ≤ 100,800 per page with NextToken paging (a query cut by a page is PartialData), ScanBy, and metric
 * math limited to SUM/AVG/MIN/MAX over METRICS() or an id list.
 */
import { decodeToken, encodeToken } from '../http'
import { METRICS_BY_TYPE, type MetricSpec } from '../world/metric-catalog'
import { aggregateInto, bucketCapacity, isStat, stateAt, type Bucket, type Stat } from '../world/metrics'
import type { SimResource } from '../world/types'
import { AwsError, type AwsHandler, type AwsRequest } from './aws-types'
import { ascii, JsonWriter } from './json-writer'
import type { QueryValue } from './wire'
import { arr, bool, epochSeconds, num, obj, str } from './wire'

export const MAX_QUERIES = 500
export const MAX_DATAPOINTS = 100_800

interface IndexEntry {
  namespace: string
  dimension: string
  resource: SimResource
  spec: MetricSpec
}

interface RegionIndex {
  version: number
  /**
   * Series by dimension value (the resource id), then matched on namespace, metric and dimension name:
   * a lookup without building a composite key string per query.
   */
  byDimValue: Map<string, IndexEntry[]>
}

const indexes = new WeakMap<object, Map<string, RegionIndex>>()

/** Series of an account-region, cached until the world changes. */
function regionIndex(req: AwsRequest): RegionIndex {
  let perWorld = indexes.get(req.world)
  if (!perWorld) indexes.set(req.world, (perWorld = new Map()))
  const key = `${req.accountId}|${req.region}`
  const cached = perWorld.get(key)
  if (cached && cached.version === req.world.version) return cached
  const byDimValue = new Map<string, IndexEntry[]>()
  for (const r of req.world.resourcesOf(req.accountId)) {
    if (r.region !== req.region) continue
    const tm = METRICS_BY_TYPE[r.type]
    if (!tm?.dimension) continue
    let list = byDimValue.get(r.id)
    if (!list) byDimValue.set(r.id, (list = []))
    for (const spec of tm.metrics)
      list.push({ namespace: tm.namespace, dimension: tm.dimension, resource: r, spec })
  }
  const idx = { version: req.world.version, byDimValue }
  perWorld.set(key, idx)
  return idx
}

interface Query {
  id: string
  label?: string
  returnData: boolean
  stat?: {
    namespace: string
    metricName: string
    dims: { name: string; value: string }[]
    period: number
    stat: string
  }
  expression?: string
}

function validation(message: string): AwsError {
  return new AwsError('ValidationError', message)
}

function parseQueries(input: Record<string, unknown>): Query[] {
  const raw = arr(input.MetricDataQueries)
  if (raw.length === 0)
    throw validation(
      "1 validation error detected: Value null at 'metricDataQueries' failed to satisfy constraint: Member must not be null",
    )
  if (raw.length > MAX_QUERIES)
    throw validation(`The collection MetricDataQueries must not have a size greater than ${MAX_QUERIES}.`)
  const seen = new Set<string>()
  return raw.map((q) => {
    const o = obj(q)
    const id = str(o.Id) ?? ''
    if (!/^[a-z][a-zA-Z0-9_]{0,254}$/.test(id))
      throw validation(
        `Invalid metric data query id: ${id}. It must start with a lowercase letter and contain only letters, numbers and underscore.`,
      )
    if (seen.has(id)) throw validation(`The value ${id} for field Id is duplicated.`)
    seen.add(id)
    const ms = o.MetricStat === undefined ? undefined : obj(o.MetricStat)
    const expression = str(o.Expression)
    if ((ms === undefined) === (expression === undefined))
      throw validation(
        `Exactly one element of MetricStat or Expression must be set in MetricDataQuery ${id}.`,
      )
    const label = str(o.Label)
    // Built field by field (no spreads): this runs for up to 500 queries per request.
    const query: Query = { id, returnData: bool(o.ReturnData) ?? true }
    if (label !== undefined) query.label = label
    if (expression !== undefined) {
      query.expression = expression
      return query
    }
    const m = obj(ms?.Metric)
    const period = num(ms?.Period) ?? 0
    if (!(period > 0 && (period % 60 === 0 || [1, 5, 10, 30].includes(period))))
      throw validation(
        `The parameter MetricDataQueries.member.${seen.size}.MetricStat.Period must be a multiple of 60.`,
      )
    const stat = str(ms?.Stat) ?? ''
    if (!isStat(stat))
      throw new AwsError(
        'InvalidParameterValue',
        `The value ${stat} for parameter MetricDataQueries.member.${seen.size}.MetricStat.Stat is not supported.`,
      )
    query.stat = {
      namespace: str(m.Namespace) ?? '',
      metricName: str(m.MetricName) ?? '',
      dims: arr(m.Dimensions).map((d) => ({ name: str(obj(d).Name) ?? '', value: str(obj(d).Value) ?? '' })),
      period,
      stat,
    }
    return query
  })
}

/**
 * One query's buckets: starts in `t`, values in `v`, indexes [from, from + n) (typed arrays shared by the
 * whole request, so 500 series × 60 buckets allocate no per-bucket objects).
 */
interface Series {
  t: Float64Array
  v: Float64Array
  from: number
  n: number
}

const EMPTY_SERIES: Series = { t: new Float64Array(0), v: new Float64Array(0), from: 0, n: 0 }

/**
 * Bucket arrays reused from request to request (a request uses them only while its handler runs,
 * synchronously; the JSON writer and the plain-data path copy out of them). Fresh 480 KB typed arrays
 * per 500-query request were external memory that made V8 schedule extra scavenges. Requests larger
 * than SCRATCH_KEEP get arrays of their own, so at most 2 × 2 MB stay allocated.
 */
const SCRATCH_KEEP = 1 << 18
let scratchArrays = { ts: new Float64Array(0), vs: new Float64Array(0) }

function scratch(capacity: number): { ts: Float64Array; vs: Float64Array } {
  if (capacity <= scratchArrays.ts.length) return scratchArrays
  const fresh = { ts: new Float64Array(capacity), vs: new Float64Array(capacity) }
  if (capacity <= SCRATCH_KEEP) scratchArrays = fresh
  return fresh
}

/** Series of the MetricStat queries, computed once per distinct (series, period, stat) in the request. */
function evalStats(
  req: AwsRequest,
  queries: Query[],
  start: number,
  end: number,
  idx: RegionIndex,
): Map<string, Series> {
  const out = new Map<string, Series>()
  const entries: (IndexEntry | undefined)[] = []
  let capacity = 0
  for (const q of queries) {
    const entry = q.stat ? resolve(q.stat, idx) : undefined
    entries.push(entry)
    if (q.stat && entry)
      capacity += bucketCapacity({ startSec: start, endSec: end, periodSec: q.stat.period })
  }
  const { ts, vs } = scratch(capacity)
  const now = req.world.nowSeconds()
  const seed = req.world.seed
  // Per entry: the (period, stat) variants already computed in this request.
  const seen = new Map<IndexEntry, { period: number; stat: string; series: Series }[]>()
  let at = 0
  for (let i = 0; i < queries.length; i++) {
    const q = queries[i]
    const st = q?.stat
    if (!q || !st) continue
    const entry = entries[i]
    if (!entry) {
      out.set(q.id, EMPTY_SERIES)
      continue
    }
    let variants = seen.get(entry)
    if (!variants) seen.set(entry, (variants = []))
    let series = variants.find((x) => x.period === st.period && x.stat === st.stat)?.series
    if (!series) {
      const n = aggregateInto(
        seed,
        entry.resource,
        entry.spec,
        { startSec: start, endSec: end, periodSec: st.period, stat: st.stat as Stat },
        now,
        ts,
        vs,
        at,
      )
      series = { t: ts, v: vs, from: at, n }
      at += n
      variants.push({ period: st.period, stat: st.stat, series })
    }
    out.set(q.id, series)
  }
  return out
}

function resolve(q: NonNullable<Query['stat']>, idx: RegionIndex): IndexEntry | undefined {
  // A series is addressed by its exact dimension set; our resources publish one dimension each.
  if (q.dims.length !== 1) return undefined
  const d = q.dims[0]
  if (!d) return undefined
  const list = idx.byDimValue.get(d.value)
  if (!list) return undefined
  // From the end: of two identical series the later resource wins (as a map keyed by series would).
  for (let i = list.length - 1; i >= 0; i--) {
    const e = list[i]
    if (e && e.spec.name === q.metricName && e.namespace === q.namespace && e.dimension === d.name) return e
  }
  return undefined
}

function toBuckets(s: Series): Bucket[] {
  const out: Bucket[] = []
  for (let i = s.from; i < s.from + s.n; i++) out.push({ t: s.t[i] ?? 0, value: s.v[i] ?? 0 })
  return out
}

function fromBuckets(bs: Bucket[]): Series {
  return {
    t: Float64Array.from(bs, (b) => b.t),
    v: Float64Array.from(bs, (b) => b.value),
    from: 0,
    n: bs.length,
  }
}

const MATH =
  /^\s*(SUM|AVG|MIN|MAX)\s*\(\s*(?:METRICS\(\s*(?:"([^"]*)"|'([^']*)')?\s*\)|\[([^\]]*)\])\s*\)\s*$/i

function evalExpression(q: Query, all: Query[], results: Map<string, Series>): Series {
  const expr = q.expression ?? ''
  const single = /^\s*([a-z][a-zA-Z0-9_]*)\s*$/.exec(expr)
  if (single?.[1]) return results.get(single[1]) ?? EMPTY_SERIES
  const m = MATH.exec(expr)
  if (!m)
    throw validation(
      `cloudsim supports only SUM/AVG/MIN/MAX over METRICS() or [id, …] in metric math; got: ${expr}`,
    )
  const fn = (m[1] ?? 'SUM').toUpperCase()
  const prefix = m[2] ?? m[3]
  const ids =
    m[4] !== undefined
      ? m[4]
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : all.filter((x) => x.stat && (prefix === undefined || x.id.startsWith(prefix))).map((x) => x.id)
  const byT = new Map<number, number[]>()
  for (const id of ids) {
    const series = results.get(id)
    if (!series) throw validation(`Error in expression ${q.id}: Unrecognized metric ${id}`)
    for (const b of toBuckets(series)) {
      let vs = byT.get(b.t)
      if (!vs) byT.set(b.t, (vs = []))
      vs.push(b.value)
    }
  }
  return fromBuckets(
    [...byT.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([t, vs]) => ({
        t,
        value:
          fn === 'SUM'
            ? vs.reduce((a, b) => a + b, 0)
            : fn === 'AVG'
              ? vs.reduce((a, b) => a + b, 0) / vs.length
              : fn === 'MIN'
                ? Math.min(...vs)
                : Math.max(...vs),
      })),
  )
}

interface PageToken {
  q: number
  p: number
}

const getMetricData: AwsHandler = (req) => {
  const queries = parseQueries(req.input)
  const start = epochSeconds(req.input.StartTime)
  const end = epochSeconds(req.input.EndTime)
  if (start === undefined || end === undefined) throw validation('StartTime and EndTime are required.')
  if (start >= end) throw validation('The parameter StartTime must be less than the parameter EndTime.')
  const maxDp = num(req.input.MaxDatapoints) ?? MAX_DATAPOINTS
  if (maxDp < 1 || maxDp > MAX_DATAPOINTS)
    throw new AwsError(
      'InvalidParameterValue',
      `The value ${maxDp} for parameter MaxDatapoints is invalid. Valid range: 1 - ${MAX_DATAPOINTS}.`,
    )
  const scanBy = str(req.input.ScanBy) ?? 'TimestampDescending'
  if (scanBy !== 'TimestampDescending' && scanBy !== 'TimestampAscending')
    throw validation(
      `Value '${scanBy}' at 'scanBy' failed to satisfy enum value set: [TimestampDescending, TimestampAscending]`,
    )
  let from: PageToken = { q: 0, p: 0 }
  const token = str(req.input.NextToken)
  if (token) {
    const t = decodeToken<PageToken>(token)
    if (!t || !Number.isSafeInteger(t.q) || !Number.isSafeInteger(t.p) || t.q < 0 || t.p < 0)
      throw new AwsError(
        'InvalidNextToken',
        "The service couldn't process your request because the NextToken is invalid.",
      )
    from = t
  }
  // Billing: every MetricStat query is one metric requested, on every page (as AWS charges).
  req.units = queries.filter((q) => q.stat).length
  const idx = regionIndex(req)
  const s = Math.floor(start)
  const e = Math.ceil(end)
  const results = evalStats(req, queries, s, e, idx)
  for (const q of queries)
    if (q.expression !== undefined) results.set(q.id, evalExpression(q, queries, results))

  // Page: which slice of each returned query this page carries (ScanBy only changes the reading order).
  const descending = scanBy === 'TimestampDescending'
  const returned = queries.filter((q) => q.returnData)
  const page: PageItem[] = []
  let budget = maxDp
  let next: PageToken | undefined
  for (let qi = from.q; qi < returned.length; qi++) {
    const q = returned[qi]
    if (!q) continue
    const series = results.get(q.id) ?? EMPTY_SERIES
    const offset = qi === from.q ? from.p : 0
    if (budget === 0) {
      next = { q: qi, p: offset }
      break
    }
    const take = Math.max(0, Math.min(budget, series.n - offset))
    budget -= take
    const partial = offset + take < series.n
    page.push({ q, series, offset, take, partial })
    if (partial) {
      next = { q: qi, p: offset + take }
      break
    }
  }
  const nextToken = next ? encodeToken(next) : undefined
  // JSON is written straight to bytes (the hot path); the other protocols get plain data with Dates.
  if (req.protocol === 'json10' || req.protocol === 'json11')
    return { json: writeJson(page, descending, nextToken) }
  const out: Record<string, QueryValue>[] = page.map(({ q, series, offset, take, partial }) => {
    const timestamps: Date[] = []
    const values: number[] = []
    for (let k = offset; k < offset + take; k++) {
      const i = descending ? series.from + series.n - 1 - k : series.from + k
      timestamps.push(new Date((series.t[i] ?? 0) * 1000))
      values.push(series.v[i] ?? 0)
    }
    return {
      Id: q.id,
      Label: label(q),
      Timestamps: timestamps,
      Values: values,
      StatusCode: partial ? 'PartialData' : 'Complete',
    }
  })
  return {
    data: {
      MetricDataResults: out,
      Messages: [],
      ...(nextToken !== undefined ? { NextToken: nextToken } : {}),
    },
  }
}

interface PageItem {
  q: Query
  series: Series
  /** Position in ScanBy order of the first point on this page, and how many points it carries. */
  offset: number
  take: number
  partial: boolean
}

function label(q: Query): string {
  return q.label ?? q.stat?.metricName ?? q.id
}

const J_OPEN = ascii('{"MetricDataResults":[')
const J_ID = ascii('{"Id":')
const J_LABEL = ascii(',"Label":')
const J_TIMESTAMPS = ascii(',"Timestamps":[')
const J_VALUES = ascii('],"Values":[')
const J_COMPLETE = ascii('],"StatusCode":"Complete"}')
const J_PARTIAL = ascii('],"StatusCode":"PartialData"}')
const J_MESSAGES = ascii('],"Messages":[]')
const J_NEXT = ascii(',"NextToken":')

/** Where a run of timestamps came from and where its bytes are in the body being written. */
interface TimestampRun {
  t: Float64Array
  first: number
  step: number
  take: number
  start: number
  end: number
}

function sameRun(r: TimestampRun, t: Float64Array, first: number, step: number, take: number): boolean {
  if (r.take !== take) return false
  for (let k = 0, i = first, j = r.first; k < take; k++, i += step, j += r.step)
    if (t[i] !== r.t[j]) return false
  return true
}

/**
 * The awsJson body, byte for byte what toAwsJson() gives for the equivalent data (timestamps as epoch
 * seconds, numbers as String() prints them), written without building the object graph.
 */
function writeJson(page: PageItem[], descending: boolean, nextToken: string | undefined): Buffer {
  let points = 0
  for (const it of page) points += it.take
  const w = new JsonWriter(points * 24 + page.length * 160 + 256)
  let prev: TimestampRun | undefined
  w.bytes(J_OPEN)
  for (let pi = 0; pi < page.length; pi++) {
    const it = page[pi]
    if (!it) continue
    const { q, series, offset, take } = it
    if (pi > 0) w.byte(0x2c)
    w.bytes(J_ID)
    w.string(q.id)
    w.bytes(J_LABEL)
    w.string(label(q))
    // Reading order: ascending from `from + offset`, or descending from the series end.
    const first = descending ? series.from + series.n - 1 - offset : series.from + offset
    const step = descending ? -1 : 1
    w.bytes(J_TIMESTAMPS)
    // Queries over one window and period share their timestamps: copy the bytes written for the
    // previous query when the run is the same instead of formatting it again.
    if (prev && sameRun(prev, series.t, first, step, take)) {
      w.repeat(prev.start, prev.end)
    } else {
      const start = w.offset
      w.numbers(series.t, first, step, take)
      prev = { t: series.t, first, step, take, start, end: w.offset }
    }
    w.bytes(J_VALUES)
    w.numbers(series.v, first, step, take)
    w.bytes(it.partial ? J_PARTIAL : J_COMPLETE)
  }
  w.bytes(J_MESSAGES)
  if (nextToken !== undefined) {
    w.bytes(J_NEXT)
    w.string(nextToken)
  }
  w.byte(0x7d)
  return w.finish()
}

const LIST_PAGE = 500
const LIST_RETENTION_SEC = 14 * 86400

const listMetrics: AwsHandler = (req) => {
  const ns = str(req.input.Namespace)
  const name = str(req.input.MetricName)
  const dims = arr(req.input.Dimensions).map((d) => ({
    name: str(obj(d).Name) ?? '',
    value: str(obj(d).Value),
  }))
  const recent = str(req.input.RecentlyActive)
  const now = req.world.nowSeconds()
  const cutoff = recent === 'PT3H' ? now - 3 * 3600 : now - LIST_RETENTION_SEC
  const rows: { Namespace: string; MetricName: string; Dimensions: { Name: string; Value: string }[] }[] = []
  const resources = req.world.resourcesOf(req.accountId).filter((r) => r.region === req.region)
  for (const r of [...resources].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    const tm = METRICS_BY_TYPE[r.type]
    if (!tm?.dimension) continue
    if (ns && tm.namespace !== ns) continue
    const last = r.history[r.history.length - 1]
    const created = r.history[0]?.t ?? Infinity
    if (created > now) continue
    if (last && last.state !== 'running' && last.t < cutoff) continue
    if (stateAt(r, now) === undefined) continue
    const dim = { Name: tm.dimension, Value: r.id }
    if (dims.some((d) => d.name !== dim.Name || (d.value !== undefined && d.value !== dim.Value))) continue
    for (const spec of tm.metrics) {
      if (name && spec.name !== name) continue
      rows.push({ Namespace: tm.namespace, MetricName: spec.name, Dimensions: [dim] })
    }
  }
  const token = str(req.input.NextToken)
  let offset = 0
  if (token) {
    const t = decodeToken<{ o: number }>(token)
    if (!t || typeof t.o !== 'number')
      throw new AwsError(
        'InvalidNextToken',
        "The service couldn't process your request because the NextToken is invalid.",
      )
    offset = t.o
  }
  const page = rows.slice(offset, offset + LIST_PAGE)
  req.units = 1
  return {
    data: {
      Metrics: page,
      ...(offset + LIST_PAGE < rows.length ? { NextToken: encodeToken({ o: offset + LIST_PAGE }) } : {}),
    },
  }
}

export const CLOUDWATCH_OPERATIONS: Record<string, AwsHandler> = {
  GetMetricData: getMetricData,
  ListMetrics: listMetrics,
}
