/**
 * Billing: daily costs per account × service × region. Bills are revised for days, so every run re-reads
 * the last `days` days (OpenCost re-reads 3) and upserts — a replay or a revision never duplicates.
 */
import type { CloudKind } from '@cms/core'
import { loadAccountCredentials } from '@cms/db'
import type { Provider } from '@cms/providers'
import { countCalls, providerContext } from './discovery'
import { recordCalls } from './ledger'
import type { Runtime } from './runtime'

const day = (d: Date) => d.toISOString().slice(0, 10)

export async function runBilling(
  rt: Runtime,
  p: { tenantId: string; accountId: string },
  signal: AbortSignal,
  days = 3,
): Promise<{ rows: number }> {
  const account = await rt.prisma.cloudAccount.findFirst({
    where: { id: p.accountId, tenantId: p.tenantId },
    select: { cloud: true, pausedAt: true, status: true },
  })
  if (!account || account.pausedAt || account.status === 'paused') return { rows: 0 }
  const provider = rt.providers[account.cloud] as Provider<CloudKind>
  if (!provider.costs) return { rows: 0 }
  const now = rt.now()
  const from = day(new Date(now.getTime() - days * 86_400_000))
  const to = day(now)
  const creds = await loadAccountCredentials(rt.prisma, rt.vault, p.tenantId, p.accountId)
  let calls: Awaited<ReturnType<NonNullable<Provider<CloudKind>['costs']>['fetchDaily']>>['calls'] = []
  try {
    const res = await provider.costs.fetchDaily(
      creds.credentials as never,
      { from, to },
      providerContext(rt, signal),
    )
    calls = res.calls
    if (res.rows.length === 0) return { rows: 0 }
    await rt.pool.query(
      `INSERT INTO daily_cost (tenant_id, account_id, day, service, region, amount, currency, estimated, updated_at)
       SELECT $1::uuid, $2::uuid, d::date, s, r, a, c, e, now()
       FROM unnest($3::text[], $4::text[], $5::text[], $6::numeric[], $7::text[], $8::bool[]) AS u(d, s, r, a, c, e)
       ON CONFLICT (tenant_id, account_id, day, service, region) DO UPDATE SET
         amount = EXCLUDED.amount, currency = EXCLUDED.currency, estimated = EXCLUDED.estimated, updated_at = now()`,
      [
        p.tenantId,
        p.accountId,
        res.rows.map((r) => r.day),
        res.rows.map((r) => r.service),
        res.rows.map((r) => r.region ?? ''),
        res.rows.map((r) => r.amount.toFixed(6)),
        res.rows.map((r) => r.currency),
        res.rows.map((r) => r.estimated),
      ],
    )
    return { rows: res.rows.length }
  } finally {
    countCalls(rt, account.cloud, calls)
    await recordCalls(rt.pool, p.tenantId, p.accountId, calls, now).catch(() => {})
  }
}
