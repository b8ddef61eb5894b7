/**
 * The job catalog (CONVENTIONS §6–8): queue → job name → payload schema, retry policy and timeout.
 * Handlers are typed by these keys and payloads are re-parsed when a job starts (a job enqueued by an
 * older deploy is validated, not trusted). Payloads carry ids only — never credentials or whole rows —
 * and schema changes must be additive, since queued jobs outlive deploys.
 *
 * Job ids are deterministic. BullMQ forbids ':' in custom ids, so the parts are joined with '/':
 * `metrics/{tenant}/{account}/{region}/{group}/{windowStart}/{generation}` (generation = the newest
 * resource's first-seen time in that region, so a resource discovered after this period's job ran gets
 * its own job at once instead of waiting a whole period).
 */
import { z } from 'zod'

const uuid = z.string().uuid()
const ids = { tenantId: uuid, accountId: uuid }

export interface JobSpec<S extends z.ZodType = z.ZodType> {
  schema: S
  attempts: number
  /** Exponential backoff base (ms). */
  backoffMs: number
  /** Hard limit for one attempt; the runner aborts the handler's signal and fails the attempt. */
  timeoutMs: number
}

const spec = <S extends z.ZodType>(s: JobSpec<S>) => s

export const ALERT_KINDS = ['inventory', 'metrics', 'health', 'cost'] as const
export type AlertKind = (typeof ALERT_KINDS)[number]

export const CATALOG = {
  discovery: {
    /** List the account's inventory in every region and diff it with ours. */
    'discovery.run': spec({ schema: z.object(ids), attempts: 3, backoffMs: 2_000, timeoutMs: 5 * 60_000 }),
  },
  metrics: {
    /** Scheduled per account: fans out one `metrics.fetch` per region × period group. */
    'metrics.tick': spec({ schema: z.object(ids), attempts: 3, backoffMs: 1_000, timeoutMs: 60_000 }),
    /** One unit of work: fetch from the watermark to now − delay, upsert, advance the watermark. */
    'metrics.fetch': spec({
      schema: z.object({
        ...ids,
        region: z.string().min(1),
        group: z.string().min(1),
        windowStart: z.number().int(),
        /** Newest first_seen_at in the region when enqueued (a resource discovered after this period's job ran gets a new job), or the current minute while that resource may still lack its first points. */
        generation: z.number().int().optional(),
      }),
      attempts: 8,
      backoffMs: 1_000,
      timeoutMs: 5 * 60_000,
    }),
  },
  billing: {
    'billing.run': spec({ schema: z.object(ids), attempts: 3, backoffMs: 10_000, timeoutMs: 10 * 60_000 }),
  },
  maintenance: {
    /** Global: fold dirty 5-minute buckets into the 5 m and 1 h rollups. */
    'rollup.run': spec({ schema: z.object({}), attempts: 3, backoffMs: 2_000, timeoutMs: 5 * 60_000 }),
    /** Global: partitions ahead, retention per resolution. */
    'retention.run': spec({ schema: z.object({}), attempts: 3, backoffMs: 10_000, timeoutMs: 10 * 60_000 }),
    /** Global safety net: reconcile every account's schedules from the database. */
    'schedules.reconcile': spec({
      schema: z.object({ accountId: uuid.optional(), tenantId: uuid.optional() }),
      attempts: 3,
      backoffMs: 2_000,
      timeoutMs: 5 * 60_000,
    }),
    /** Global, every minute: outbox recovery — pending webhook deliveries overdue by a minute are (re)enqueued. */
    'webhooks.sweep': spec({ schema: z.object({}), attempts: 3, backoffMs: 2_000, timeoutMs: 60_000 }),
    /** Global, every 5 minutes: account health rules of every tenant that has some (polling lag needs a clock, not an event). */
    'alerts.sweep': spec({ schema: z.object({}), attempts: 3, backoffMs: 2_000, timeoutMs: 60_000 }),
    /** Global, hourly: AWS Marketplace usage of the previous hour, recorded once and sent (BatchMeterUsage). */
    'metering.run': spec({ schema: z.object({}), attempts: 3, backoffMs: 30_000, timeoutMs: 10 * 60_000 }),
    /** Global, daily: delete tenants whose marketplace subscription was cancelled past its grace period. */
    'subscriptions.purge': spec({
      schema: z.object({}),
      attempts: 3,
      backoffMs: 60_000,
      timeoutMs: 30 * 60_000,
    }),
  },
  alerts: {
    /**
     * Evaluate alert rules after data landed, separately from the ingest job, so an evaluation failure
     * retries without redoing the ingest. Additive over the original `{ tenantId }`: a job without
     * `kind` evaluates every kind for the tenant.
     */
    'alerts.evaluate': spec({
      schema: z.object({
        tenantId: uuid,
        kind: z.enum(ALERT_KINDS).optional(),
        accountId: uuid.optional(),
        /** metrics: the region whose points were written. */
        region: z.string().min(1).optional(),
        /** inventory: evaluate the account's resource events up to this `resource_event.id`. */
        upToEventId: z.string().regex(/^\d+$/).optional(),
      }),
      attempts: 3,
      backoffMs: 1_000,
      timeoutMs: 60_000,
    }),
  },
  webhooks: {
    /**
     * One attempt of one delivery. `attempts: 1` on purpose: @cms/alerts decides the next attempt (its
     * schedule spans days and honours Retry-After) and the handler enqueues it as a new job; a crashed
     * attempt is re-enqueued by `webhooks.sweep` from the outbox.
     */
    'webhook.deliver': spec({
      schema: z.object({ tenantId: uuid, deliveryId: z.string().min(1) }),
      attempts: 1,
      backoffMs: 0,
      timeoutMs: 30_000,
    }),
  },
} as const

export type Catalog = typeof CATALOG
export type QueueName = keyof Catalog
export type JobName<Q extends QueueName> = keyof Catalog[Q] & string
type SpecOf<Q extends QueueName, N extends JobName<Q>> = Catalog[Q][N] extends JobSpec<infer S> ? S : never
export type Payload<Q extends QueueName, N extends JobName<Q>> = z.infer<SpecOf<Q, N>>

/** Queues this package's worker consumes today. */
export const ACTIVE_QUEUES = [
  'discovery',
  'metrics',
  'billing',
  'maintenance',
  'alerts',
  'webhooks',
] as const satisfies readonly QueueName[]
export type ActiveQueue = (typeof ACTIVE_QUEUES)[number]

export function jobSpec<Q extends QueueName>(queue: Q, name: string): JobSpec | undefined {
  return (CATALOG[queue] as Record<string, JobSpec>)[name]
}

/** Re-parse a payload when its job starts. Throws (→ the job fails without retry) on a bad payload. */
export function parsePayload<Q extends QueueName, N extends JobName<Q>>(
  queue: Q,
  name: N,
  data: unknown,
): Payload<Q, N> {
  const s = jobSpec(queue, name)
  if (!s) throw new Error(`Unknown job ${queue}/${name}`)
  return s.schema.parse(data) as Payload<Q, N>
}

export const jobIds = {
  metricsFetch: (p: {
    tenantId: string
    accountId: string
    region: string
    group: string
    windowStart: number
    generation?: number
  }) =>
    `metrics/${p.tenantId}/${p.accountId}/${p.region}/${p.group}/${p.windowStart}${p.generation ? `/${p.generation}` : ''}`,
  discoveryNow: (tenantId: string, accountId: string, at: number) =>
    `discovery/${tenantId}/${accountId}/now/${at}`,
  reconcileNow: (accountId: string, at: number) => `reconcile/${accountId}/${at}`,
  reconcileTenantNow: (tenantId: string, at: number) => `reconcile/tenant/${tenantId}/${at}`,
  /** Inventory events of an account up to an event id: a repeated discovery enqueues nothing new. */
  alertsInventory: (tenantId: string, accountId: string, upToEventId: string) =>
    `alerts/inventory/${tenantId}/${accountId}/${upToEventId}`,
  /** After one metrics fetch wrote points (same parts as the fetch, plus the new watermark). */
  alertsMetrics: (p: { tenantId: string; accountId: string; region: string; group: string; mark: number }) =>
    `alerts/metrics/${p.tenantId}/${p.accountId}/${p.region}/${p.group}/${p.mark}`,
  /** After an account's status changed (`at` = when it was recorded), or from the sweep (`at` = the sweep's slot). */
  alertsHealth: (tenantId: string, scope: string, at: number) => `alerts/health/${tenantId}/${scope}/${at}`,
  /** After one account's billing run stored costs (`at` = the run's minute). */
  alertsCost: (tenantId: string, accountId: string, at: number) =>
    `alerts/cost/${tenantId}/${accountId}/${at}`,
}

/**
 * BullMQ options of a `webhook.deliver` job, shared by the worker and the web's notifier. The job id
 * comes from @cms/alerts (`webhook-<delivery>-<generation>-<attempt>`), so the sweeper, a retry and a
 * manual replay never queue the same attempt twice. Failed jobs are removed at once: their id must be
 * free for the sweeper to re-enqueue the attempt from the outbox.
 */
export function deliveryJobOptions(job: { jobId: string; delayMs: number }) {
  return {
    jobId: job.jobId,
    delay: Math.max(0, Math.round(job.delayMs)),
    attempts: 1,
    removeOnComplete: { age: 3600, count: 10_000 },
    removeOnFail: true,
  }
}

/** Scheduler ids (BullMQ job schedulers), one per account and kind; the reconciler owns them. */
export const schedulerIds = {
  discovery: (accountId: string) => `discovery/${accountId}`,
  metrics: (accountId: string) => `metrics/${accountId}`,
  billing: (accountId: string) => `billing/${accountId}`,
}
