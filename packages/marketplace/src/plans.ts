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
  if (subs.length === 0) return false // direct customers
  return !subs.some((s) => s.status === 'active')
}
