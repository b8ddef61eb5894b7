/**
 * Schedule intervals and retention by plan, overridable per tenant (organization.settings.schedule)
 * and per account (cloud_account.settings.schedule). The database is the source of truth: the
 * reconciler reads these and (re)creates BullMQ job schedulers to match.
 */
import { z } from 'zod'

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

export const PLAN_SCHEDULES: Record<string, Partial<ScheduleSettings>> = {
  free: { metricsIntervalMs: 60_000 },
  pro: { metricsIntervalMs: 60_000 },
  enterprise: { discoveryIntervalMs: 30_000, metricsIntervalMs: 60_000 },
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

export function resolveSchedule(planId: string, tenantSettings: unknown, accountSettings: unknown): ScheduleSettings {
  return { ...DEFAULT_SCHEDULE, ...(PLAN_SCHEDULES[planId] ?? {}), ...overrides(tenantSettings), ...overrides(accountSettings) }
}

export interface RetentionSettings {
  rawDays: number
  fiveMinuteDays: number
  hourMonths: number
}
export const DEFAULT_RETENTION: RetentionSettings = { rawDays: 14, fiveMinuteDays: 90, hourMonths: 13 }
