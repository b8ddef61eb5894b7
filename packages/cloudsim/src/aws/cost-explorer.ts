/** Cost Explorer (awsJson1_1): GetCostAndUsage and GetCostForecast over costs derived from the resources that ran. */
import { decodeToken, encodeToken } from '../http'
import { DAY, dailyCosts, dayString, parseDay, type DailyCostRow } from '../world/costs'
import { AwsError, type AwsHandler } from './aws-types'
import type { QueryValue } from './wire'
import { arr, obj, str } from './wire'

const METRICS = [
  'UnblendedCost',
  'BlendedCost',
  'AmortizedCost',
  'NetUnblendedCost',
  'NetAmortizedCost',
  'UsageQuantity',
  'NormalizedUsageAmount',
]
const DIMENSIONS: Record<string, (r: DailyCostRow) => string> = {
  SERVICE: (r) => r.service,
  REGION: (r) => r.region,
  LINKED_ACCOUNT: (r) => r.account,
}
/** Costs are "Estimated" until the bill settles: the last days and the current month. */
const ESTIMATED_DAYS = 3

function validation(message: string): AwsError {
  return new AwsError('ValidationException', message)
}

function isDay(s: string | undefined): s is string {
  return s !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`))
}

function money(n: number): string {
  return String(Math.round(n * 1e10) / 1e10)
}

interface Group {
  type: 'DIMENSION' | 'TAG'
  key: string
}

interface FilterFn {
  (r: DailyCostRow): boolean
}

function parseFilter(f: unknown): FilterFn {
  if (f === undefined) return () => true
  const o = obj(f)
  if (o.And !== undefined) {
    const parts = arr(o.And).map(parseFilter)
    return (r) => parts.every((p) => p(r))
  }
  if (o.Or !== undefined) {
    const parts = arr(o.Or).map(parseFilter)
    return (r) => parts.some((p) => p(r))
  }
  if (o.Not !== undefined) {
    const inner = parseFilter(o.Not)
    return (r) => !inner(r)
  }
  if (o.Dimensions !== undefined) {
    const d = obj(o.Dimensions)
    const get = DIMENSIONS[str(d.Key) ?? '']
    if (!get)
      throw validation(
        `cloudsim: filter dimension ${str(d.Key)} is not supported (SERVICE, REGION, LINKED_ACCOUNT are)`,
      )
    const values = arr(d.Values).map((v) => str(v) ?? '')
    return (r) => values.includes(get(r))
  }
  if (o.Tags !== undefined) {
    const t = obj(o.Tags)
    const values = arr(t.Values).map((v) => str(v) ?? '')
    return (r) => values.includes(r.tag ?? '')
  }
  throw validation('Expression must contain exactly one of And, Or, Not, Dimensions, Tags, CostCategories')
}

function costRows(
  world: Parameters<AwsHandler>[0]['world'],
  account: string,
  from: string,
  to: string,
  tagKey?: string,
): DailyCostRow[] {
  return dailyCosts(world.resourcesOf(account), from, to, world.nowSeconds(), tagKey)
}

const getCostAndUsage: AwsHandler = (req) => {
  const tp = obj(req.input.TimePeriod)
  const start = str(tp.Start)
  const end = str(tp.End)
  if (!isDay(start) || !isDay(end))
    throw validation('Start date and end date must be in the format YYYY-MM-DD')
  if (start >= end) throw validation('Start date (and hour) should be before end date (and hour)')
  const now = req.world.nowSeconds()
  if (parseDay(start) < now - 14 * 31 * DAY)
    throw new AwsError(
      'DataUnavailableException',
      'Data is not available. Please try to adjust the time period.',
    )
  const granularity = str(req.input.Granularity)
  if (granularity !== 'DAILY' && granularity !== 'MONTHLY')
    throw validation(`cloudsim supports Granularity DAILY and MONTHLY; got ${granularity}`)
  const metrics = arr(req.input.Metrics).map((m) => str(m) ?? '')
  if (metrics.length === 0) throw validation('Metrics is required')
  for (const m of metrics) if (!METRICS.includes(m)) throw validation(`Invalid metric name: ${m}`)
  const groups: Group[] = arr(req.input.GroupBy).map((g) => {
    const o = obj(g)
    const type = str(o.Type)
    const key = str(o.Key) ?? ''
    if (type === 'DIMENSION' && DIMENSIONS[key]) return { type, key }
    if (type === 'TAG') return { type, key }
    throw validation(
      `cloudsim: group by ${type}:${key} is not supported (DIMENSION SERVICE/REGION/LINKED_ACCOUNT, TAG are)`,
    )
  })
  if (groups.length > 2)
    throw validation('You can group by up to two different dimensions, tags or cost categories')
  const tagGroup = groups.find((g) => g.type === 'TAG')
  const keep = parseFilter(req.input.Filter)
  const rows = costRows(req.world, req.accountId, start, end, tagGroup?.key).filter(keep)

  // Periods (days or months) in [start, end).
  const periods: { start: string; end: string }[] = []
  if (granularity === 'DAILY') {
    for (let d = parseDay(start); d < parseDay(end); d += DAY)
      periods.push({ start: dayString(d), end: dayString(d + DAY) })
  } else {
    let cur = start
    while (cur < end) {
      const dt = new Date(`${cur}T00:00:00Z`)
      const nextMonth = new Date(Date.UTC(dt.getUTCFullYear(), dt.getUTCMonth() + 1, 1))
        .toISOString()
        .slice(0, 10)
      const pe = nextMonth < end ? nextMonth : end
      periods.push({ start: cur, end: pe })
      cur = pe
    }
  }
  const today = dayString(now)
  const estimatedFrom = dayString(parseDay(today) - (ESTIMATED_DAYS - 1) * DAY)
  const monthStart = `${today.slice(0, 7)}-01`
  const keyOf = (r: DailyCostRow): string[] =>
    groups.map((g) => (g.type === 'TAG' ? `${g.key}$${r.tag ?? ''}` : (DIMENSIONS[g.key]?.(r) ?? '')))
  const metricSet = (amount: number, hours: number) =>
    Object.fromEntries(
      metrics.map((m) => [
        m,
        m === 'UsageQuantity' || m === 'NormalizedUsageAmount'
          ? { Amount: money(hours), Unit: 'N/A' }
          : { Amount: money(amount), Unit: 'USD' },
      ]),
    )

  const results = periods.map((p) => {
    const inP = rows.filter((r) => r.day >= p.start && r.day < p.end)
    const estimated = granularity === 'DAILY' ? p.end > estimatedFrom : p.end > monthStart
    if (groups.length === 0) {
      const total = inP.reduce((a, r) => a + r.amount, 0)
      return {
        TimePeriod: { Start: p.start, End: p.end },
        Total: metricSet(total, total * 10),
        Groups: [] as Record<string, QueryValue>[],
        Estimated: estimated,
      }
    }
    const byKey = new Map<string, { keys: string[]; amount: number }>()
    for (const r of inP) {
      const keys = keyOf(r)
      const k = keys.join('\u0000')
      const g = byKey.get(k)
      if (g) g.amount += r.amount
      else byKey.set(k, { keys, amount: r.amount })
    }
    const gs = [...byKey.values()]
      .sort((a, b) => (a.keys.join() < b.keys.join() ? -1 : 1))
      .map((g) => ({ Keys: g.keys, Metrics: metricSet(g.amount, g.amount * 10) }))
    return { TimePeriod: { Start: p.start, End: p.end }, Total: {}, Groups: gs, Estimated: estimated }
  })

  // Paging: whole periods per page, up to ceGroupsPerPage groups (or periods when ungrouped); a token
  // names the first period of the next page.
  let first = 0
  const token = str(req.input.NextPageToken)
  if (token) {
    const t = decodeToken<{ i: number }>(token)
    if (!t || typeof t.i !== 'number')
      throw new AwsError(
        'InvalidNextTokenException',
        'The pagination token is invalid. Try again without a pagination token.',
      )
    first = t.i
  }
  const budget = req.sim.limits.ceGroupsPerPage
  const page: typeof results = []
  let used = 0
  let i = first
  for (; i < results.length; i++) {
    const r = results[i]
    if (!r) break
    const cost = Math.max(1, r.Groups.length)
    if (page.length > 0 && used + cost > budget) break
    page.push(r)
    used += cost
  }
  req.units = 1
  return {
    data: {
      GroupDefinitions: groups.map((g) => ({ Type: g.type, Key: g.key })),
      ResultsByTime: page,
      DimensionValueAttributes: [],
      ...(i < results.length ? { NextPageToken: encodeToken({ i }) } : {}),
    },
  }
}

const getCostForecast: AwsHandler = (req) => {
  const tp = obj(req.input.TimePeriod)
  const start = str(tp.Start)
  const end = str(tp.End)
  if (!isDay(start) || !isDay(end))
    throw validation('Start date and end date must be in the format YYYY-MM-DD')
  const now = req.world.nowSeconds()
  const today = dayString(now)
  if (start < today)
    throw validation(
      'Start date must be equal to or later than the current date to avoid forecasting historical data.',
    )
  if (start >= end) throw validation('Start date (and hour) should be before end date (and hour)')
  const granularity = str(req.input.Granularity) ?? 'MONTHLY'
  if (granularity !== 'DAILY' && granularity !== 'MONTHLY')
    throw validation(`cloudsim supports Granularity DAILY and MONTHLY; got ${granularity}`)
  // Mean daily cost of the last 7 complete days, projected.
  const from = dayString(parseDay(today) - 7 * DAY)
  const daily = costRows(req.world, req.accountId, from, today).reduce((a, r) => a + r.amount, 0) / 7
  const periods: { s: number; e: number }[] = []
  if (granularity === 'DAILY') {
    for (let d = parseDay(start); d < parseDay(end); d += DAY) periods.push({ s: d, e: d + DAY })
  } else {
    let cur = parseDay(start)
    while (cur < parseDay(end)) {
      const dt = new Date(cur * 1000)
      const nm = Date.UTC(dt.getUTCFullYear(), dt.getUTCMonth() + 1, 1) / 1000
      const e = Math.min(nm, parseDay(end))
      periods.push({ s: cur, e })
      cur = e
    }
  }
  const rows = periods.map((p) => {
    const mean = (daily * (p.e - p.s)) / DAY
    return {
      TimePeriod: { Start: dayString(p.s), End: dayString(p.e) },
      MeanValue: money(mean),
      PredictionIntervalLowerBound: money(mean * 0.9),
      PredictionIntervalUpperBound: money(mean * 1.1),
    }
  })
  const total = (daily * (parseDay(end) - parseDay(start))) / DAY
  req.units = 1
  return { data: { Total: { Amount: money(total), Unit: 'USD' }, ForecastResultsByTime: rows } }
}

export const CE_OPERATIONS: Record<string, AwsHandler> = {
  GetCostAndUsage: getCostAndUsage,
  GetCostForecast: getCostForecast,
}
