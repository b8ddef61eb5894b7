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
    const daily = await sql<{ day: string; key: string; amount: number; currency: string }>(
      `SELECT to_char(c.day, 'YYYY-MM-DD') AS day, ${key} AS key, sum(c.amount)::float8 AS amount, min(c.currency) AS currency
       FROM daily_cost c JOIN cloud_account a ON a.id = c.account_id AND a.tenant_id = c.tenant_id
       WHERE ${where.join(' AND ')} GROUP BY 1, 2 ORDER BY 1, 2`,
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
    const totals = new Map<string, number>()
    for (const r of daily) totals.set(r.key, (totals.get(r.key) ?? 0) + r.amount)
    const groups = [...totals]
      .map(([k, amount]) => ({ key: k, label: label.get(k) ?? k, amount }))
      .sort((a, b) => b.amount - a.amount)
    return {
      from,
      to,
      groupBy: f.groupBy,
      currency: daily[0]?.currency ?? 'USD',
      total: groups.reduce((s, g) => s + g.amount, 0),
      groups,
      daily: daily.map((d) => ({ day: d.day, key: d.key, amount: d.amount })),
    }
  })
}

/** Month-to-date, last month (same span and full), and a linear forecast for this month. */
export async function costSummary(t: TenantContext, now = new Date()) {
  const start = monthStart(now)
  const prevStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1))
  const daysInMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 0)).getUTCDate()
  return tenantQuery(t.tenantId, async (sql) => {
    const rows = await sql<{
      mtd: number
      prev_full: number
      prev_same: number
      days: number
      currency: string | null
    }>(
      `SELECT coalesce(sum(amount) FILTER (WHERE day >= $2::date), 0)::float8 AS mtd,
              coalesce(sum(amount) FILTER (WHERE day >= $3::date AND day < $2::date), 0)::float8 AS prev_full,
              coalesce(sum(amount) FILTER (WHERE day >= $3::date AND day < ($3::date + $4::int)), 0)::float8 AS prev_same,
              count(DISTINCT day) FILTER (WHERE day >= $2::date)::int AS days, min(currency) AS currency
       FROM daily_cost WHERE tenant_id = $1 AND day >= $3::date`,
      [t.tenantId, isoDay(start), isoDay(prevStart), now.getUTCDate()],
    )
    const r = rows[0] ?? { mtd: 0, prev_full: 0, prev_same: 0, days: 0, currency: 'USD' }
    const forecast = r.days > 0 ? (r.mtd / r.days) * daysInMonth : 0
    return {
      monthToDate: r.mtd,
      lastMonthSameSpan: r.prev_same,
      lastMonth: r.prev_full,
      forecast,
      currency: r.currency ?? 'USD',
      daysWithData: r.days,
    }
  })
}
