/**
 * Costs derive from what ran: each resource accrues its hourly price for the seconds it was billable
 * (running, or merely existing for storage-like types) within a day. Deterministic like the metrics.
 */
import { stateAt } from './metrics'
import type { CloudKind, ResourceType, SimResource } from './types'

/**
 * Hourly prices by size (a small fake price list, in the right order of magnitude), in the cloud's
 * billing currency (CURRENCY below): USD for AWS/Azure/GCP, KRW for the NCP sizes.
 */
export const HOURLY_PRICE: Record<string, number> = {
  't3.micro': 0.0104,
  't3.small': 0.0208,
  't3.medium': 0.0416,
  'm5.large': 0.096,
  'm5.xlarge': 0.192,
  'c5.2xlarge': 0.34,
  'db.t3.medium': 0.068,
  'db.r6g.large': 0.26,
  'db.r6g.xlarge': 0.52,
  Standard_B2s: 0.0416,
  Standard_D2s_v5: 0.096,
  Standard_D4s_v5: 0.192,
  Standard_E4s_v5: 0.252,
  GP_Gen5_2: 0.505,
  S1: 0.0404,
  'e2-small': 0.0168,
  'e2-medium': 0.0335,
  'n2-standard-2': 0.0971,
  'n2-standard-4': 0.1942,
  'db-custom-2-7680': 0.1236,
  'db-f1-micro': 0.0105,
  // NCP, KRW per hour (VPC Standard/High-CPU/High-Memory g3 servers, Cloud DB for MySQL servers).
  's2-g3': 97,
  's4-g3': 194,
  'c4-g3': 158,
  'm4-g3': 336,
  'SVR.VDBAS.STAND.C002.M008.NET.SSD.B050.G003': 215,
  'SVR.VDBAS.STAND.C004.M016.NET.SSD.B050.G003': 430,
}

/** The service name each cloud's bill shows for a resource type; undefined = free. */
export const BILLING_SERVICE: Record<ResourceType, string | undefined> = {
  'ec2.instance': 'Amazon Elastic Compute Cloud - Compute',
  'rds.instance': 'Amazon Relational Database Service',
  'rds.cluster': undefined,
  vpc: undefined,
  subnet: undefined,
  nat_gateway: 'EC2 - Other',
  'azure.vm': 'Virtual Machines',
  'azure.sql_server': undefined,
  'azure.sql_database': 'SQL Database',
  'azure.vnet': undefined,
  'gcp.instance': 'Compute Engine',
  'gcp.sql_instance': 'Cloud SQL',
  'gcp.network': undefined,
  'ncp.server': 'Server',
  'ncp.vpc': undefined,
  'ncp.nat_gateway': 'NAT Gateway',
  'ncp.mysql': 'Cloud DB for MySQL',
}

/** Flat hourly prices for types without a size attribute. */
const FLAT_HOURLY: Partial<Record<ResourceType, number>> = { nat_gateway: 0.045, 'ncp.nat_gateway': 60 }

export function hourlyPrice(r: SimResource): number {
  const flat = FLAT_HOURLY[r.type]
  if (flat !== undefined) return flat
  const size =
    r.attrs.instanceType ??
    r.attrs.instanceClass ??
    r.attrs.vmSize ??
    r.attrs.sku ??
    r.attrs.machineType ??
    r.attrs.tier ??
    r.attrs.serverSpecCode ??
    r.attrs.cloudMysqlProductCode
  return typeof size === 'string' ? (HOURLY_PRICE[size] ?? 0.05) : 0
}

/** Seconds within [from, to) during which the resource was billable (running). */
export function billableSeconds(r: SimResource, from: number, to: number): number {
  let total = 0
  const h = r.history
  for (let i = 0; i < h.length; i++) {
    const c = h[i]
    if (!c || c.state !== 'running') continue
    const end = h[i + 1]?.t ?? Infinity
    const s = Math.max(c.t, from)
    const e = Math.min(end, to)
    if (e > s) total += e - s
  }
  return total
}

/** Cost in the cloud's currency of one resource over [from, to) (epoch seconds), rounded to 1e-6. */
export function resourceCost(r: SimResource, from: number, to: number): number {
  const price = hourlyPrice(r)
  if (price === 0 || BILLING_SERVICE[r.type] === undefined) return 0
  return Math.round(((price * billableSeconds(r, from, to)) / 3600) * 1e6) / 1e6
}

export const CURRENCY: Record<CloudKind, string> = { aws: 'USD', azure: 'USD', gcp: 'USD', ncp: 'KRW' }

export interface DailyCostRow {
  day: string
  service: string
  region: string
  account: string
  /** Value of one tag key when grouping by tag. */
  tag?: string
  amount: number
}

export const DAY = 86400

export function dayString(epochSec: number): string {
  return new Date(epochSec * 1000).toISOString().slice(0, 10)
}

export function parseDay(day: string): number {
  const t = Date.parse(`${day}T00:00:00Z`)
  if (Number.isNaN(t)) throw new Error(`bad date ${day}`)
  return t / 1000
}

/**
 * Daily cost rows for the given resources over [fromDay, toDay) (YYYY-MM-DD, end exclusive), one row
 * per (day, service, region, account[, tag value]) with a non-zero amount. Days after `nowSec` are empty
 * and today only counts up to now.
 */
export function dailyCosts(
  resources: Iterable<SimResource>,
  fromDay: string,
  toDay: string,
  nowSec: number,
  tagKey?: string,
): DailyCostRow[] {
  const from = parseDay(fromDay)
  const to = Math.min(parseDay(toDay), nowSec)
  const rows = new Map<string, DailyCostRow>()
  for (const r of resources) {
    const service = BILLING_SERVICE[r.type]
    if (!service) continue
    const created = r.history[0]?.t ?? Infinity
    for (let d = Math.max(from, Math.floor(created / DAY) * DAY); d < to; d += DAY) {
      const amount = resourceCost(r, d, Math.min(d + DAY, to))
      if (amount === 0) {
        if (stateAt(r, d + DAY) === 'terminated') break
        continue
      }
      const day = dayString(d)
      const tag = tagKey === undefined ? undefined : (r.tags[tagKey] ?? '')
      const key = `${day}|${service}|${r.region}|${r.account}|${tag ?? ''}`
      const row = rows.get(key)
      if (row) row.amount += amount
      else
        rows.set(key, {
          day,
          service,
          region: r.region,
          account: r.account,
          ...(tag !== undefined ? { tag } : {}),
          amount,
        })
    }
  }
  return [...rows.values()].sort((a, b) =>
    a.day === b.day
      ? a.service < b.service
        ? -1
        : a.service > b.service
          ? 1
          : a.region.localeCompare(b.region)
      : a.day < b.day
        ? -1
        : 1,
  )
}
