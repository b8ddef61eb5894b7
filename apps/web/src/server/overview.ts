/** The overview dashboard in one round of aggregate queries (no per-resource work). */
import { monitoredCutoff, monitoredResourceLimit } from '@cms/marketplace'
import { alertList } from './alerts'
import { costSummary, isoDay, monthStart } from './costs'
import { planDb } from './plans'
import type { TenantContext } from './tenant-guard'
import { tenantQuery } from './tenant-sql'

export async function readOverview(t: TenantContext) {
  const id = t.tenantId
  const limit = await monitoredResourceLimit(planDb(t), id)
  const [agg, cost, alerts] = await Promise.all([
    tenantQuery(id, async (sql) => {
      const [byDim, accounts, coverage, ledger, newCount, cutoff] = await Promise.all([
        sql<{ cloud: string; region: string; type: string; state: string; n: number }>(
          `SELECT cloud::text, region, type, state, count(*)::int AS n FROM resource
           WHERE tenant_id = $1 AND state <> 'terminated' GROUP BY 1, 2, 3, 4`,
          [id],
        ),
        sql<{
          id: string
          name: string
          cloud: string
          status: string
          last_error_code: string | null
          last_error: string | null
          last_success_at: Date | null
          paused_at: Date | null
        }>(
          `SELECT id::text, name, cloud::text, status::text, last_error_code, last_error, last_success_at, paused_at
           FROM cloud_account WHERE tenant_id = $1 ORDER BY name`,
          [id],
        ),
        sql<{ total: number; covered: number }>(
          `SELECT count(*)::int AS total,
                  count(*) FILTER (WHERE EXISTS (SELECT 1 FROM metric_series s WHERE s.tenant_id = r.tenant_id AND s.resource_id = r.id))::int AS covered
           FROM resource r WHERE r.tenant_id = $1 AND r.state <> 'terminated'`,
          [id],
        ),
        sql<{ calls: number; cost: number }>(
          `SELECT coalesce(sum(calls), 0)::float8 AS calls, coalesce(sum(cost_usd), 0)::float8 AS cost FROM api_call_ledger
           WHERE tenant_id = $1 AND hour >= $2`,
          [id, monthStart()],
        ),
        sql<{ n: number }>(
          `SELECT count(*)::int AS n FROM resource WHERE tenant_id = $1 AND state <> 'terminated' AND first_seen_at > now() - interval '24 hours'`,
          [id],
        ),
        monitoredCutoff(sql, id, limit),
      ])
      return {
        byDim,
        accounts,
        coverage: coverage[0] ?? { total: 0, covered: 0 },
        ledger: ledger[0] ?? { calls: 0, cost: 0 },
        newCount: newCount[0]?.n ?? 0,
        cutoff,
      }
    }),
    costSummary(t),
    alertList(t, { state: 'active', limit: 20 }),
  ])
  const tally = (key: 'cloud' | 'region' | 'type' | 'state') => {
    const m = new Map<string, number>()
    for (const r of agg.byDim) m.set(r[key], (m.get(r[key]) ?? 0) + r.n)
    return [...m].map(([k, n]) => ({ key: k, count: n })).sort((a, b) => b.count - a.count)
  }
  const lastPolls = agg.accounts.map((a) => a.last_success_at?.getTime() ?? 0).filter((x) => x > 0)
  return {
    totalResources: agg.coverage.total,
    newResources: agg.newCount,
    byCloud: tally('cloud'),
    byRegion: tally('region'),
    byType: tally('type'),
    byState: tally('state'),
    accounts: agg.accounts.map((a) => ({
      id: a.id,
      name: a.name,
      cloud: a.cloud,
      status: a.status,
      lastErrorCode: a.last_error_code,
      lastError: a.last_error,
      lastSuccessAt: a.last_success_at?.toISOString() ?? null,
    })),
    freshness: {
      lastPolledAt: lastPolls.length ? new Date(Math.max(...lastPolls)).toISOString() : null,
      oldestPolledAt: lastPolls.length ? new Date(Math.min(...lastPolls)).toISOString() : null,
    },
    coverage: { monitored: agg.coverage.covered, total: agg.coverage.total },
    monitoringCost: { calls: agg.ledger.calls, costUsd: agg.ledger.cost, since: isoDay(monthStart()) },
    cost,
    planLimit: { monitoredResources: limit, notMonitored: agg.cutoff.notMonitored },
    alerts: alerts.map((a) => ({
      id: a.id,
      title: a.ruleName,
      summary: a.summary,
      severity: a.severity,
      state: a.state,
      since: a.firingSince ?? a.pendingSince,
      resourceId: a.resourceId,
      metric: a.metric,
    })),
  }
}
export type Overview = Awaited<ReturnType<typeof readOverview>>
