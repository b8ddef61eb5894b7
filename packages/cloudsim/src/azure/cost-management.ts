/**
 * Cost Management query (`POST {scope}/providers/Microsoft.CostManagement/query`): ActualCost/Usage,
 * Custom/MonthToDate/TheLastMonth timeframes, Daily or total granularity, grouping by dimensions
 * (ServiceName, ResourceLocation, ResourceGroupName, ResourceType, ResourceId) or tags.
 */
import { randomUUID } from 'node:crypto'
import { BILLING_SERVICE, DAY, dayString, parseDay, resourceCost } from '../world/costs'
import type { SimResource } from '../world/types'
import { ArmError, type ArmReply, type ArmRequest } from './azure-types'

const ARM_TYPE: Partial<Record<SimResource['type'], string>> = {
  'azure.vm': 'microsoft.compute/virtualmachines',
  'azure.sql_database': 'microsoft.sql/servers/databases',
}

const DIMENSIONS: Record<string, (r: SimResource) => string> = {
  ServiceName: (r) => BILLING_SERVICE[r.type] ?? '',
  ResourceLocation: (r) => r.region,
  ResourceGroupName: (r) => String(r.attrs.resourceGroup ?? '').toLowerCase(),
  ResourceType: (r) => ARM_TYPE[r.type] ?? '',
  ResourceId: (r) => r.id.toLowerCase(),
}

interface QueryBody {
  type?: string
  timeframe?: string
  timePeriod?: { from?: string; to?: string }
  dataset?: {
    granularity?: string
    aggregation?: Record<string, { name?: string; function?: string }>
    grouping?: { type?: string; name?: string }[]
  }
}

export function costQuery(req: ArmRequest, scopeSub: string, scopeRg: string | undefined): ArmReply {
  req.call.api = 'azure.costmanagement'
  req.call.operation = 'Query_Usage'
  let body: QueryBody
  try {
    body = JSON.parse(req.body.toString('utf8')) as QueryBody
  } catch {
    throw new ArmError(400, 'BadRequest', 'Invalid query definition: body is not JSON.')
  }
  if (!['ActualCost', 'Usage', 'AmortizedCost'].includes(body.type ?? ''))
    throw new ArmError(400, 'BadRequest', `Invalid query definition: type '${body.type}' is not supported.`)
  const now = req.sim.world.nowSeconds()
  const today = dayString(now)
  let from: string
  let toIncl: string
  switch (body.timeframe) {
    case 'Custom':
      if (!body.timePeriod?.from || !body.timePeriod.to)
        throw new ArmError(
          400,
          'BadRequest',
          'Invalid query definition: timePeriod is required for Custom timeframe.',
        )
      from = body.timePeriod.from.slice(0, 10)
      toIncl = body.timePeriod.to.slice(0, 10)
      break
    case 'MonthToDate':
      from = `${today.slice(0, 7)}-01`
      toIncl = today
      break
    case 'TheLastMonth': {
      const d = new Date(`${today.slice(0, 7)}-01T00:00:00Z`)
      from = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1)).toISOString().slice(0, 10)
      toIncl = dayString(d.getTime() / 1000 - DAY)
      break
    }
    default:
      throw new ArmError(
        400,
        'BadRequest',
        `Invalid query definition: timeframe '${body.timeframe}' is not supported by cloudsim (Custom, MonthToDate, TheLastMonth are).`,
      )
  }
  if (Number.isNaN(Date.parse(from)) || Number.isNaN(Date.parse(toIncl)) || from > toIncl)
    throw new ArmError(400, 'BadRequest', 'Invalid query definition: invalid time period.')
  if (parseDay(toIncl) - parseDay(from) > 366 * DAY)
    throw new ArmError(400, 'BadRequest', 'Invalid query definition: the time period cannot exceed 1 year.')
  const ds = body.dataset ?? {}
  const daily = ds.granularity === 'Daily'
  if (ds.granularity !== undefined && ds.granularity !== 'Daily' && ds.granularity !== 'None')
    throw new ArmError(
      400,
      'BadRequest',
      `Invalid query definition: granularity '${ds.granularity}' is not supported.`,
    )
  const aggs = Object.values(ds.aggregation ?? { totalCost: { name: 'Cost', function: 'Sum' } })
  for (const a of aggs)
    if (a.function !== 'Sum' || !['Cost', 'PreTaxCost', 'CostUSD', 'PreTaxCostUSD'].includes(a.name ?? ''))
      throw new ArmError(
        400,
        'BadRequest',
        `Invalid query definition: aggregation ${a.name}/${a.function} is not supported.`,
      )
  const groups = (ds.grouping ?? []).map((g) => {
    if (g.type === 'Dimension') {
      const get = DIMENSIONS[g.name ?? '']
      if (!get)
        throw new ArmError(
          400,
          'BadRequest',
          `Invalid query definition: dimension '${g.name}' is not supported by cloudsim.`,
        )
      return { name: g.name ?? '', get }
    }
    if (g.type === 'TagKey')
      return { name: g.name ?? '', get: (r: SimResource) => r.tags[g.name ?? ''] ?? '' }
    throw new ArmError(
      400,
      'BadRequest',
      `Invalid query definition: grouping type '${g.type}' is not supported.`,
    )
  })
  if (groups.length > 2)
    throw new ArmError(400, 'BadRequest', 'Invalid query definition: at most 2 groupings are allowed.')

  const start = parseDay(from)
  const end = Math.min(parseDay(toIncl) + DAY, now)
  const totals = new Map<string, { date: number; keys: string[]; cost: number }>()
  for (const r of req.sim.world.resourcesOf(scopeSub)) {
    if (!BILLING_SERVICE[r.type]) continue
    if (scopeRg && String(r.attrs.resourceGroup).toLowerCase() !== scopeRg) continue
    const keys = groups.map((g) => g.get(r))
    for (let d = start; d < end; d += DAY) {
      const cost = resourceCost(r, d, Math.min(d + DAY, end))
      if (cost === 0) continue
      const date = daily ? Number(dayString(d).replace(/-/g, '')) : 0
      const k = `${date}|${keys.join('|')}`
      const row = totals.get(k)
      if (row) row.cost += cost
      else totals.set(k, { date, keys, cost })
    }
  }
  const rows = [...totals.values()]
    .sort((a, b) => a.date - b.date || (a.keys.join() < b.keys.join() ? -1 : 1))
    .map((t) => [
      ...aggs.map(() => Math.round(t.cost * 1e8) / 1e8),
      ...(daily ? [t.date] : []),
      ...t.keys,
      'USD',
    ])
  const columns = [
    ...aggs.map((a) => ({ name: a.name ?? 'Cost', type: 'Number' })),
    ...(daily ? [{ name: 'UsageDate', type: 'Number' }] : []),
    ...groups.map((g) => ({ name: g.name, type: 'String' })),
    { name: 'Currency', type: 'String' },
  ]
  // Pages of 5,000 rows like the service; the SDK surfaces nextLink but does not follow it.
  const PAGE = 5000
  const skip = Number(req.query.get('$skiptoken') ?? '0') || 0
  const page = rows.slice(skip, skip + PAGE)
  const q = new URLSearchParams(req.query)
  q.set('$skiptoken', String(skip + PAGE))
  const nextLink = skip + PAGE < rows.length ? `${req.origin}${req.path}?${q.toString()}` : null
  return {
    body: {
      id: `${req.path.replace(/\/query$/i, '')}/query/${randomUUID()}`,
      name: randomUUID(),
      type: 'Microsoft.CostManagement/query',
      location: null,
      sku: null,
      eTag: null,
      properties: { nextLink, columns, rows: page },
    },
  }
}
