/**
 * Plans are data (table `plan`); limits are read per call, so a plan change or a subscription event
 * takes effect without a restart. Enforcement points:
 *   - API/UI: `assertWithinLimit` before creating accounts, alert rules, webhook endpoints;
 *   - scheduler: `monitoredResourceLimit` (resources beyond it are inventoried but not polled),
 *     `effectivePollSeconds`, `retentionFor`, and `pollingPaused` (suspended/cancelled subscriptions).
 */
import { z } from 'zod'
import { AppError } from '@cms/core'
import type { PrismaClient } from '@cms/db'

const limit = z.number().int().nonnegative().nullable()
export const planLimitsSchema = z.object({
  cloudAccounts: limit,
  monitoredResources: limit,
  minPollSeconds: z.number().int().positive(),
  retentionRawDays: z.number().int().positive(),
  retention5mDays: z.number().int().positive(),
  retention1hDays: z.number().int().positive(),
  alertRules: limit,
  webhookEndpoints: limit,
})
export type PlanLimits = z.infer<typeof planLimitsSchema>
export type CountedLimit = 'cloudAccounts' | 'monitoredResources' | 'alertRules' | 'webhookEndpoints'

const LIMIT_NOUN: Record<CountedLimit, string> = {
  cloudAccounts: 'cloud accounts',
  monitoredResources: 'monitored resources',
  alertRules: 'alert rules',
  webhookEndpoints: 'webhook endpoints',
}

export interface TenantPlan {
  planId: string
  planName: string
  limits: PlanLimits
}

/** The tenant's plan and limits, read from the database (cms_worker or a tenant-scoped client). */
export async function getTenantPlan(db: PrismaClient, tenantId: string): Promise<TenantPlan> {
  const org = await db.organization.findUnique({
    where: { id: tenantId },
    select: { plan: { select: { id: true, name: true, limits: true } } },
  })
  if (!org) throw new AppError('not_found', 'Organization not found')
  return { planId: org.plan.id, planName: org.plan.name, limits: planLimitsSchema.parse(org.plan.limits) }
}

/** Throws `limit_exceeded` (HTTP 402) when adding `adding` more would pass the plan's limit. */
export async function assertWithinLimit(
  db: PrismaClient,
  tenantId: string,
  key: CountedLimit,
  current: number,
  adding = 1,
) {
  const plan = await getTenantPlan(db, tenantId)
  const max = plan.limits[key]
  if (max !== null && current + adding > max) {
    throw new AppError(
      'limit_exceeded',
      `Your ${plan.planName} plan allows ${max} ${LIMIT_NOUN[key]}; upgrade to add more.`,
      {
        limit: key,
        max,
        current,
        planId: plan.planId,
      },
    )
  }
}

/** Cloud accounts are counted here because every caller needs the same count. */
export async function assertCanAddCloudAccount(db: PrismaClient, tenantId: string) {
  const current = await db.cloudAccount.count({ where: { tenantId } })
  await assertWithinLimit(db, tenantId, 'cloudAccounts', current)
}

/** Max resources polled for metrics (null = unlimited). The scheduler polls the oldest-seen first. */
export async function monitoredResourceLimit(db: PrismaClient, tenantId: string): Promise<number | null> {
  return (await getTenantPlan(db, tenantId)).limits.monitoredResources
}

/** A requested polling interval, raised to the plan's minimum. */
export function effectivePollSeconds(limits: PlanLimits, requestedSeconds: number): number {
  return Math.max(limits.minPollSeconds, requestedSeconds)
}

/** True when the tenant's subscription is suspended or cancelled: keep data, stop polling. */
export async function pollingPaused(db: PrismaClient, tenantId: string): Promise<boolean> {
  const subs = await db.marketplaceSubscription.findMany({ where: { tenantId }, select: { status: true } })
  return subscriptionsPausePolling(subs.map((s) => s.status))
}

/** The subscription rule behind `pollingPaused`, for callers that already loaded the statuses. */
export function subscriptionsPausePolling(statuses: readonly string[]): boolean {
  if (statuses.length === 0) return false // direct customers
  return !statuses.includes('active')
}

// ------------------------------------------------------------------ monitored resources
//
// The one definition of "monitored", shared by the scheduler (what to poll) and the web (what to label):
//
//   A tenant's monitored resources are its first N non-terminated resources ordered by
//   (first_seen_at, id), N = the plan's monitoredResources (null = all). The rest are inventoried
//   but not polled for metrics ("not monitored: plan limit").
//
// Oldest first so a resource never loses monitoring because newer ones appeared.

/** Ordering that decides which resources are monitored first (oldest seen first, id breaks ties). */
export const MONITORED_ORDER_SQL = 'first_seen_at ASC, id ASC'

/** Pure form of the rule: is the resource at 0-based `rank` (in MONITORED_ORDER) beyond the limit? */
export function beyondMonitoredLimit(rank: number, limit: number | null): boolean {
  return limit !== null && rank >= limit
}

/** A raw-SQL runner (the web's tenant-scoped `tenantQuery`, or a worker pool's query). */
export type SqlRunner = <R extends Record<string, unknown>>(text: string, params?: unknown[]) => Promise<R[]>

export interface MonitoredCutoff {
  limit: number | null
  /** (first_seen_at, id) of the last monitored resource; null when nothing is beyond the limit. */
  last: { firstSeenAt: Date; id: string } | null
  notMonitored: number
  total: number
}

/** The cutoff for one tenant. */
export async function monitoredCutoff(
  sql: SqlRunner,
  tenantId: string,
  limit: number | null,
): Promise<MonitoredCutoff> {
  const [count] = await sql<{ n: number }>(
    `SELECT count(*)::int AS n FROM resource WHERE tenant_id = $1 AND state <> 'terminated'`,
    [tenantId],
  )
  const total = count?.n ?? 0
  if (limit === null || total <= limit) return { limit, last: null, notMonitored: 0, total }
  if (limit === 0)
    return {
      limit,
      last: { firstSeenAt: new Date(0), id: '00000000-0000-0000-0000-000000000000' },
      notMonitored: total,
      total,
    }
  const [row] = await sql<{ first_seen_at: Date; id: string }>(
    `SELECT first_seen_at, id::text FROM resource WHERE tenant_id = $1 AND state <> 'terminated'
     ORDER BY ${MONITORED_ORDER_SQL} OFFSET $2 LIMIT 1`,
    [tenantId, limit - 1],
  )
  return {
    limit,
    last: row ? { firstSeenAt: row.first_seen_at, id: row.id } : null,
    notMonitored: total - limit,
    total,
  }
}

/** Is a (non-terminated) resource beyond the cutoff? uuid text order = PostgreSQL's uuid order. */
export function isBeyondCutoff(
  c: MonitoredCutoff,
  r: { firstSeenAt: Date; id: string; state: string },
): boolean {
  if (!c.last || r.state === 'terminated') return false
  const a = r.firstSeenAt.getTime()
  const b = c.last.firstSeenAt.getTime()
  return a > b || (a === b && r.id > c.last.id)
}
