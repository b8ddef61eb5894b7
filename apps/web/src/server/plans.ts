/**
 * Plans and limits as the web app shows and enforces them (the numbers live in @cms/marketplace's
 * `plan` table). Also the one definition of "monitored" the scheduler must share:
 *
 *   A tenant's monitored resources are its first N non-terminated resources ordered by
 *   (first_seen_at, id), N = the plan's monitoredResources (null = all). The rest are inventoried
 *   but not polled for metrics ("not monitored: plan limit").
 *
 * `MONITORED_ORDER_SQL` / `monitoredCutoff` are that rule; it belongs in @cms/marketplace next to
 * `monitoredResourceLimit` (asked for in the report) so the scheduler and the web cannot drift.
 */
import { getTenantPlan, type PlanLimits } from '@cms/marketplace'
import type { PrismaClient } from '@cms/db'
import type { TenantContext } from './tenant-guard'
import type { Sql } from './tenant-sql'
import { tenantQuery } from './tenant-sql'

/** @cms/marketplace takes a PrismaClient; the tenant-scoped client is the same API with RLS set. */
export function planDb(t: TenantContext): PrismaClient {
  return t.db as unknown as PrismaClient
}

/** Ordering that decides which resources are monitored first (oldest seen first, id breaks ties). */
export const MONITORED_ORDER_SQL = 'first_seen_at ASC, id ASC'

/** Pure form of the rule: is the resource at 0-based `rank` (in MONITORED_ORDER) beyond the limit? */
export function beyondMonitoredLimit(rank: number, limit: number | null): boolean {
  return limit !== null && rank >= limit
}

export interface MonitoredCutoff {
  limit: number | null
  /** (first_seen_at, id) of the last monitored resource; null when nothing is beyond the limit. */
  last: { firstSeenAt: Date; id: string } | null
  notMonitored: number
  total: number
}

/** The cutoff for one tenant, computed inside an existing tenantQuery transaction. */
export async function monitoredCutoff(sql: Sql, tenantId: string, limit: number | null): Promise<MonitoredCutoff> {
  const [count] = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM resource WHERE tenant_id = $1 AND state <> 'terminated'`, [tenantId])
  const total = count?.n ?? 0
  if (limit === null || total <= limit) return { limit, last: null, notMonitored: 0, total }
  if (limit === 0) return { limit, last: { firstSeenAt: new Date(0), id: '00000000-0000-0000-0000-000000000000' }, notMonitored: total, total }
  const [row] = await sql<{ first_seen_at: Date; id: string }>(
    `SELECT first_seen_at, id::text FROM resource WHERE tenant_id = $1 AND state <> 'terminated'
     ORDER BY ${MONITORED_ORDER_SQL} OFFSET $2 LIMIT 1`, [tenantId, limit - 1])
  return { limit, last: row ? { firstSeenAt: row.first_seen_at, id: row.id } : null, notMonitored: total - limit, total }
}

/** Is a (non-terminated) resource beyond the cutoff? */
export function isBeyondCutoff(c: MonitoredCutoff, r: { firstSeenAt: Date; id: string; state: string }): boolean {
  if (!c.last || r.state === 'terminated') return false
  const a = r.firstSeenAt.getTime()
  const b = c.last.firstSeenAt.getTime()
  return a > b || (a === b && r.id > c.last.id)
}

export interface PlanView {
  planId: string
  planName: string
  limits: PlanLimits
  usage: { cloudAccounts: number; monitoredResources: number; inventoriedResources: number; alertRules: number; webhookEndpoints: number }
  notMonitored: number
  subscription: { source: string; status: string } | null
}

export async function readPlan(t: TenantContext): Promise<PlanView> {
  const plan = await getTenantPlan(planDb(t), t.tenantId)
  const [accounts, rules, endpoints, sub, cutoff] = await Promise.all([
    t.db.cloudAccount.count({ where: {} }),
    t.db.alertRule.count({ where: {} }),
    t.db.webhookEndpoint.count({ where: {} }),
    t.db.marketplaceSubscription.findFirst({ where: {}, orderBy: { createdAt: 'desc' }, select: { source: true, status: true } }),
    tenantQuery(t.tenantId, (sql) => monitoredCutoff(sql, t.tenantId, plan.limits.monitoredResources)),
  ])
  return {
    planId: plan.planId, planName: plan.planName, limits: plan.limits,
    usage: { cloudAccounts: accounts, monitoredResources: cutoff.total - cutoff.notMonitored, inventoriedResources: cutoff.total, alertRules: rules, webhookEndpoints: endpoints },
    notMonitored: cutoff.notMonitored,
    subscription: sub ? { source: sub.source, status: sub.status } : null,
  }
}
