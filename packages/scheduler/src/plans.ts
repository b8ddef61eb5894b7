/**
 * Schedule intervals: defaults, overridable per tenant (organization.settings.schedule) and per account
 * (cloud_account.settings.schedule), then raised to the tenant's plan minimum (`plan.limits.minPollSeconds`,
 * via @cms/marketplace's `effectivePollSeconds`). Plans are data (table `plan`), so a plan change takes
 * effect at the next reconcile. The database is the source of truth: the reconciler reads these and
 * (re)creates BullMQ job schedulers to match.
 */
import { z } from 'zod'
import { effectivePollSeconds, planLimitsSchema, type PlanLimits } from '@cms/marketplace'

export interface ScheduleSettings {
  discoveryIntervalMs: number
  metricsIntervalMs: number
  billingIntervalMs: number
  /** After this many consecutive credential failures, discovery is retried only at `credentialBackoffMs`. */
  credentialFailuresBeforeBackoff: number
  credentialBackoffMs: number
}

export const DEFAULT_SCHEDULE: ScheduleSettings = {
  discoveryIntervalMs: 60_000,
  metricsIntervalMs: 60_000,
  billingIntervalMs: 8 * 3600_000,
  credentialFailuresBeforeBackoff: 3,
  credentialBackoffMs: 3600_000,
}

const overridesSchema = z
  .object({
    discoveryIntervalMs: z.number().int().min(1000),
    metricsIntervalMs: z.number().int().min(1000),
    billingIntervalMs: z.number().int().min(1000),
    credentialFailuresBeforeBackoff: z.number().int().min(1),
    credentialBackoffMs: z.number().int().min(1000),
  })
  .partial()

/** Reads `settings.schedule` from a JSON settings blob; anything malformed is ignored, not fatal. */
function overrides(settings: unknown): Partial<ScheduleSettings> {
  if (!settings || typeof settings !== 'object') return {}
  const r = overridesSchema.safeParse((settings as { schedule?: unknown }).schedule)
  return r.success ? stripUndefined(r.data) : {}
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}

/** A plan's stored limits; null when the row does not parse (then only the defaults apply). */
export function parsePlanLimits(limits: unknown): PlanLimits | null {
  const r = planLimitsSchema.safeParse(limits)
  return r.success ? r.data : null
}

/**
 * The account's effective schedule. Polling intervals (discovery, metrics, billing) are raised to the
 * plan's minimum — a tenant setting can slow polling down, never speed it up past the plan.
 */
export function resolveSchedule(
  limits: PlanLimits | null,
  tenantSettings: unknown,
  accountSettings: unknown,
): ScheduleSettings {
  const s = { ...DEFAULT_SCHEDULE, ...overrides(tenantSettings), ...overrides(accountSettings) }
  if (!limits) return s
  const raise = (ms: number) => effectivePollSeconds(limits, ms / 1000) * 1000
  return {
    ...s,
    discoveryIntervalMs: raise(s.discoveryIntervalMs),
    metricsIntervalMs: raise(s.metricsIntervalMs),
    billingIntervalMs: raise(s.billingIntervalMs),
  }
}

export interface RetentionSettings {
  rawDays: number
  fiveMinuteDays: number
  hourMonths: number
}
export const DEFAULT_RETENTION: RetentionSettings = { rawDays: 14, fiveMinuteDays: 90, hourMonths: 13 }
