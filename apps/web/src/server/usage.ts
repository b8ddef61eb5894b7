/** What monitoring costs: cloud API calls and their charges per account (api_call_ledger). */
import type { TenantContext } from './tenant-guard'
import { tenantQuery } from './tenant-sql'

export async function readUsage(t: TenantContext, q: { from?: string; to?: string }) {
  const to = q.to ? new Date(q.to) : new Date()
  const from = q.from ? new Date(q.from) : new Date(to.getTime() - 30 * 86_400_000)
  return tenantQuery(t.tenantId, async (sql) => {
    const rows = await sql<{
      account_id: string
      name: string
      api: string
      operation: string
      calls: number
      units: number
      cost: number
    }>(
      `SELECT l.account_id::text, a.name, l.api, l.operation, sum(l.calls)::float8 AS calls, sum(l.billable_units)::float8 AS units, sum(l.cost_usd)::float8 AS cost
       FROM api_call_ledger l JOIN cloud_account a ON a.id = l.account_id AND a.tenant_id = l.tenant_id
       WHERE l.tenant_id = $1 AND l.hour >= $2 AND l.hour < $3
       GROUP BY 1, 2, 3, 4 ORDER BY 1, cost DESC`,
      [t.tenantId, from, to],
    )
    const accounts = new Map<
      string,
      {
        accountId: string
        name: string
        calls: number
        billableUnits: number
        costUsd: number
        byApi: { api: string; operation: string; calls: number; costUsd: number }[]
      }
    >()
    for (const r of rows) {
      const a = accounts.get(r.account_id) ?? {
        accountId: r.account_id,
        name: r.name,
        calls: 0,
        billableUnits: 0,
        costUsd: 0,
        byApi: [],
      }
      a.calls += r.calls
      a.billableUnits += r.units
      a.costUsd += r.cost
      a.byApi.push({ api: r.api, operation: r.operation, calls: r.calls, costUsd: r.cost })
      accounts.set(r.account_id, a)
    }
    const list = [...accounts.values()]
    return {
      from: from.toISOString(),
      to: to.toISOString(),
      totalCalls: list.reduce((s, a) => s + a.calls, 0),
      totalCostUsd: list.reduce((s, a) => s + a.costUsd, 0),
      accounts: list,
    }
  })
}
