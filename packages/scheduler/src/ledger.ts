/**
 * api_call_ledger: what monitoring costs, per account, API, operation and hour. Upsert-add — each row
 * counts real calls made, so a replayed job (which really calls the cloud again) adds its calls too.
 */
import type pg from 'pg'
import type { ApiCallCount } from '@cms/providers'

export async function recordCalls(
  pool: pg.Pool,
  tenantId: string,
  accountId: string,
  calls: ApiCallCount[],
  now: Date,
): Promise<void> {
  const agg = new Map<string, ApiCallCount>()
  for (const c of calls) {
    const k = `${c.api}\u0000${c.operation}`
    const e = agg.get(k)
    if (e) {
      e.calls += c.calls
      e.billableUnits += c.billableUnits
      e.costUsd += c.costUsd
    } else agg.set(k, { ...c })
  }
  const rows = [...agg.values()].filter((c) => c.calls > 0)
  if (rows.length === 0) return
  const hour = new Date(Math.floor(now.getTime() / 3600_000) * 3600_000)
  await pool.query(
    `INSERT INTO api_call_ledger (tenant_id, account_id, hour, api, operation, calls, billable_units, cost_usd)
     SELECT $1::uuid, $2::uuid, $3, a, o, c, b, u FROM unnest($4::text[], $5::text[], $6::int[], $7::bigint[], $8::numeric[]) AS x(a, o, c, b, u)
     ON CONFLICT (tenant_id, account_id, hour, api, operation) DO UPDATE SET
       calls = api_call_ledger.calls + EXCLUDED.calls,
       billable_units = api_call_ledger.billable_units + EXCLUDED.billable_units,
       cost_usd = api_call_ledger.cost_usd + EXCLUDED.cost_usd`,
    [
      tenantId,
      accountId,
      hour,
      rows.map((r) => r.api),
      rows.map((r) => r.operation),
      rows.map((r) => r.calls),
      rows.map((r) => Math.round(r.billableUnits)),
      rows.map((r) => r.costUsd.toFixed(6)),
    ],
  )
}
