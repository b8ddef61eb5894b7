/**
 * Plans and limits as the web app shows and enforces them (the numbers live in @cms/marketplace's
 * `plan` table). "Monitored" — a tenant's first N non-terminated resources by (first_seen_at, id) — is
 * defined once in @cms/marketplace (`monitoredCutoff`, `isBeyondCutoff`, `MONITORED_ORDER_SQL`), which
 * the scheduler uses to decide what it polls, so the label here and the polling cannot drift.
 */
import { getTenantPlan, monitoredCutoff, type PlanLimits } from '@cms/marketplace'
import type { PrismaClient } from '@cms/db'
import type { TenantContext } from './tenant-guard'
import { tenantQuery } from './tenant-sql'

/** @cms/marketplace takes a PrismaClient; the tenant-scoped client is the same API with RLS set. */
export function planDb(t: TenantContext): PrismaClient {
  return t.db as unknown as PrismaClient
}

export interface PlanView {
  planId: string
  planName: string
  limits: PlanLimits
  usage: {
    cloudAccounts: number
    monitoredResources: number
    inventoriedResources: number
    alertRules: number
    webhookEndpoints: number
  }
  notMonitored: number
  subscription: { source: string; status: string } | null
}

export async function readPlan(t: TenantContext): Promise<PlanView> {
  const plan = await getTenantPlan(planDb(t), t.tenantId)
  const [accounts, rules, endpoints, sub, cutoff] = await Promise.all([
    t.db.cloudAccount.count({ where: {} }),
    t.db.alertRule.count({ where: {} }),
    t.db.webhookEndpoint.count({ where: {} }),
    t.db.marketplaceSubscription.findFirst({
      where: {},
      orderBy: { createdAt: 'desc' },
      select: { source: true, status: true },
    }),
    tenantQuery(t.tenantId, (sql) => monitoredCutoff(sql, t.tenantId, plan.limits.monitoredResources)),
  ])
  return {
    planId: plan.planId,
    planName: plan.planName,
    limits: plan.limits,
    usage: {
      cloudAccounts: accounts,
      monitoredResources: cutoff.total - cutoff.notMonitored,
      inventoriedResources: cutoff.total,
      alertRules: rules,
      webhookEndpoints: endpoints,
    },
    notMonitored: cutoff.notMonitored,
    subscription: sub ? { source: sub.source, status: sub.status } : null,
  }
}
