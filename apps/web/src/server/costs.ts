/** Cost reads over daily_cost (per account × service × region × day) and forecasts. */
import type { TenantContext } from './tenant-guard'
import { tenantQuery } from './tenant-sql'

export type CostGroup = 'service' | 'account' | 'region' | 'cloud' | 'day'

const GROUP_SQL: Record<CostGroup, string> = {
  service: 'c.service',
  account: 'c.account_id::text',
  region: "coalesce(nullif(c.region, ''), 'global')",
  cloud: 'a.cloud::text',
  day: "to_char(c.day, 'YYYY-MM-DD')",
}

export const isoDay = (d: Date) => d.toISOString().slice(0, 10)
export function monthStart(d = new Date()) {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1))
}

export interface CostFilter {
  from?: string
  to?: string
  groupBy: CostGroup
  cloud?: string[]
  accountId?: string[]
  region?: string[]
}

/** One amount per currency: costs are never added across currencies (see README, "Costs and currencies"). */
export interface CurrencyAmount {
  currency: string
  amount: number
}

/** Currencies in a stable order (alphabetical), so the first total is the same on every read. */
const byCurrency = (a: { currency: string }, b: { currency: string }) => a.currency.localeCompare(b.currency)

export async function readCosts(t: TenantContext, f: CostFilter) {
  const from = f.from ?? isoDay(monthStart())
  const to = f.to ?? isoDay(new Date())
  const params: unknown[] = [t.tenantId, from, to]
  const p = (v: unknown) => (params.push(v), `$${params.length}`)
  const where = ['c.tenant_id = $1', 'c.day >= $2::date', 'c.day <= $3::date']
  if (f.cloud?.length) where.push(`a.cloud::text = ANY(${p(f.cloud)})`)
  if (f.accountId?.length) where.push(`c.account_id = ANY(${p(f.accountId)}::uuid[])`)
  if (f.region?.length) where.push(`coalesce(nullif(c.region, ''), 'global') = ANY(${p(f.region)})`)
  const key = GROUP_SQL[f.groupBy]
  return tenantQuery(t.tenantId, async (sql) => {
    // Grouped by currency too: NCP bills in KRW, the others in USD, and there is no exchange-rate
    // source offline — a sum across currencies would be a number in no currency at all.
    const daily = await sql<{ day: string; key: string; amount: number; currency: string }>(
      `SELECT to_char(c.day, 'YYYY-MM-DD') AS day, ${key} AS key, c.currency, sum(c.amount)::float8 AS amount
       FROM daily_cost c JOIN cloud_account a ON a.id = c.account_id AND a.tenant_id = c.tenant_id
       WHERE ${where.join(' AND ')} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
      params,
    )
    const names =
      f.groupBy === 'account'
        ? await sql<{ id: string; name: string }>(
            'SELECT id::text, name FROM cloud_account WHERE tenant_id = $1',
            [t.tenantId],
          )
        : []
    const label = new Map(names.map((n) => [n.id, n.name]))
    const perGroup = new Map<string, { key: string; currency: string; amount: number }>()
    const perCurrency = new Map<string, number>()
    for (const r of daily) {
      const k = `${r.currency}\u0000${r.key}`
      const g = perGroup.get(k) ?? { key: r.key, currency: r.currency, amount: 0 }
      g.amount += r.amount
      perGroup.set(k, g)
      perCurrency.set(r.currency, (perCurrency.get(r.currency) ?? 0) + r.amount)
    }
    const groups = [...perGroup.values()]
      .map((g) => ({ key: g.key, label: label.get(g.key) ?? g.key, currency: g.currency, amount: g.amount }))
      .sort((a, b) => byCurrency(a, b) || b.amount - a.amount)
    const totals: CurrencyAmount[] = [...perCurrency]
      .map(([currency, amount]) => ({ currency, amount }))
      .sort(byCurrency)
    return {
      from,
      to,
      groupBy: f.groupBy,
      // Kept for clients written before `totals`: the first currency's total (the only one when one cloud bills).
      currency: totals[0]?.currency ?? 'USD',
      total: totals[0]?.amount ?? 0,
      totals,
      groups,
      daily: daily.map((d) => ({ day: d.day, key: d.key, currency: d.currency, amount: d.amount })),
    }
  })
}

export interface CostSummary {
  currency: string
  monthToDate: number
  lastMonthSameSpan: number
  lastMonth: number
  forecast: number
  daysWithData: number
}

/**
 * Month-to-date, last month (same span and full), and a linear forecast for this month — one row per
 * currency billed (none when there is no cost data yet).
 */
export async function costSummary(t: TenantContext, now = new Date()): Promise<CostSummary[]> {
  const start = monthStart(now)
  const prevStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1))
  const daysInMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 0)).getUTCDate()
  return tenantQuery(t.tenantId, async (sql) => {
    const rows = await sql<{
      currency: string
      mtd: number
      prev_full: number
      prev_same: number
      days: number
    }>(
      `SELECT currency,
              coalesce(sum(amount) FILTER (WHERE day >= $2::date), 0)::float8 AS mtd,
              coalesce(sum(amount) FILTER (WHERE day >= $3::date AND day < $2::date), 0)::float8 AS prev_full,
              coalesce(sum(amount) FILTER (WHERE day >= $3::date AND day < ($3::date + $4::int)), 0)::float8 AS prev_same,
              count(DISTINCT day) FILTER (WHERE day >= $2::date)::int AS days
       FROM daily_cost WHERE tenant_id = $1 AND day >= $3::date GROUP BY currency ORDER BY currency`,
      [t.tenantId, isoDay(start), isoDay(prevStart), now.getUTCDate()],
    )
    return rows.map((r) => ({
      currency: r.currency,
      monthToDate: r.mtd,
      lastMonthSameSpan: r.prev_same,
      lastMonth: r.prev_full,
      forecast: r.days > 0 ? (r.mtd / r.days) * daysInMonth : 0,
      daysWithData: r.days,
    }))
  })
}
