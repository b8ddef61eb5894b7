/**
 * Alerts and webhooks in the pipeline (@cms/alerts does the deciding; this module does the queueing).
 *
 * Ingest jobs never evaluate rules inline: after they commit they enqueue an `alerts.evaluate` job
 * (deterministic id, ids-only payload), so a failing evaluation retries on its own without redoing the
 * discovery / fetch / billing. Every evaluator persists its notifications as outbox rows
 * (`webhook_delivery`) and returns the deliveries to enqueue; `webhook.deliver` makes one attempt and
 * enqueues the next one @cms/alerts asks for. `webhooks.sweep` re-enqueues overdue outbox rows, so a
 * crash between a commit and an enqueue delays a message by about a minute and never loses it.
 *
 * Inventory events: each account has a cursor in Redis (highest `resource_event.id` evaluated). The
 * evaluation reads the account's events after it — so events committed by a discovery whose evaluation
 * never ran are picked up by the next one — and @cms/alerts is idempotent per event id, so a lost or
 * flushed cursor (falls back to the last hour) re-reads events without notifying twice.
 */
import type { Queue } from 'bullmq'
import {
  deliverWebhook,
  evaluateAccountHealth,
  evaluateCostRules,
  evaluateMetricRules,
  handleInventoryEvents,
  listDueDeliveries,
  type DeliveryJob,
  type EvaluationResult,
  type InventoryEvent,
} from '@cms/alerts'
import { CATALOG, deliveryJobOptions, jobIds, type AlertKind, type Payload } from './catalog'
import type { Runtime } from './runtime'

/** How far back an account without a cursor (new, or Redis lost it) re-reads its events. */
export const INVENTORY_LOOKBACK_MS = 3600_000
const INVENTORY_PAGE = 2000
const CURSOR_TTL_S = 7 * 86_400

const cursorKey = (rt: Runtime, accountId: string) => `${rt.prefix}:alerts:inventory-cursor:${accountId}`

// Only moves forward: two evaluations of one account finishing out of order never move it back.
const SET_MAX = `local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > cur then redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) else redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return 1`

export async function enqueueDeliveries(queue: Queue, jobs: DeliveryJob[]): Promise<void> {
  if (jobs.length === 0) return
  await queue.addBulk(
    jobs.map((j) => ({
      name: 'webhook.deliver',
      data: { tenantId: j.tenantId, deliveryId: j.deliveryId },
      opts: deliveryJobOptions(j),
    })),
  )
}

/** Enqueue one `alerts.evaluate` (ids only; the id makes a repeated trigger a no-op). */
export async function enqueueEvaluation(
  rt: Runtime,
  jobId: string,
  data: Payload<'alerts', 'alerts.evaluate'>,
): Promise<void> {
  const spec = CATALOG.alerts['alerts.evaluate']
  await rt.queues.alerts.add('alerts.evaluate', spec.schema.parse(data), {
    jobId,
    attempts: spec.attempts,
    backoff: { type: 'exponential', delay: spec.backoffMs },
    removeOnComplete: { age: 3600, count: 10_000 },
    removeOnFail: { age: 24 * 3600 },
  })
}

/** Does the tenant have an enabled rule of this kind? (index `alert_rule (tenant_id, kind, enabled)`) */
async function hasRules(rt: Runtime, tenantId: string, kind: 'metric_threshold' | 'cost'): Promise<boolean> {
  return (
    (await rt.prisma.alertRule.findFirst({
      where: { tenantId, kind, enabled: true },
      select: { id: true },
    })) !== null
  )
}

/**
 * After a discovery: evaluate the account's events the cursor has not covered yet — this run's, and
 * any a crash left behind. Nothing to do (the common case) costs one indexed query.
 */
export async function afterDiscovery(rt: Runtime, p: { tenantId: string; accountId: string }): Promise<void> {
  const since = new Date(Date.now() - INVENTORY_LOOKBACK_MS)
  const [latest, cursor] = await Promise.all([
    rt.prisma.resourceEvent.findFirst({
      where: { tenantId: p.tenantId, createdAt: { gt: since }, accountId: p.accountId },
      orderBy: { id: 'desc' },
      select: { id: true },
    }),
    rt.redis.get(cursorKey(rt, p.accountId)),
  ])
  if (!latest || (cursor !== null && BigInt(cursor) >= latest.id)) return
  const upTo = latest.id.toString()
  await enqueueEvaluation(rt, jobIds.alertsInventory(p.tenantId, p.accountId, upTo), {
    tenantId: p.tenantId,
    kind: 'inventory',
    accountId: p.accountId,
    upToEventId: upTo,
  })
}

/** After a metrics fetch wrote points (only if the tenant has metric rules: most fetches cost nothing). */
export async function afterMetrics(
  rt: Runtime,
  p: { tenantId: string; accountId: string; region: string; group: string; mark: number },
): Promise<void> {
  if (!(await hasRules(rt, p.tenantId, 'metric_threshold'))) return
  await enqueueEvaluation(rt, jobIds.alertsMetrics(p), {
    tenantId: p.tenantId,
    kind: 'metrics',
    accountId: p.accountId,
    region: p.region,
  })
}

/** After an account's status was written (success after failures, or a failure). */
export async function afterAccountStatus(
  rt: Runtime,
  p: { tenantId: string; accountId: string },
): Promise<void> {
  await enqueueEvaluation(rt, jobIds.alertsHealth(p.tenantId, p.accountId, rt.now().getTime()), {
    tenantId: p.tenantId,
    kind: 'health',
    accountId: p.accountId,
  })
}

/** After billing stored daily costs. */
export async function afterBilling(rt: Runtime, p: { tenantId: string; accountId: string }): Promise<void> {
  if (!(await hasRules(rt, p.tenantId, 'cost'))) return
  const minute = Math.floor(rt.now().getTime() / 60_000) * 60_000
  await enqueueEvaluation(rt, jobIds.alertsCost(p.tenantId, p.accountId, minute), {
    tenantId: p.tenantId,
    kind: 'cost',
    accountId: p.accountId,
  })
}

interface EventRow {
  id: bigint
  type: string
  resourceId: string
  createdAt: Date
  data: unknown
}

/** resource_event row → @cms/alerts' event. Baseline rows (an account's first inventory) are not events. */
function toInventoryEvent(e: EventRow): InventoryEvent | null {
  const data = (e.data ?? {}) as {
    baseline?: boolean
    before?: { state?: string | null }
    after?: { state?: string | null }
  }
  if (data.baseline) return null
  if (e.type !== 'resource.created' && e.type !== 'resource.terminated' && e.type !== 'resource.updated')
    return null
  return {
    type: e.type,
    resourceId: e.resourceId,
    at: e.createdAt,
    eventId: e.id,
    previousState: data.before?.state ?? null,
    state: data.after?.state ?? null,
  }
}

async function evaluateInventory(
  rt: Runtime,
  p: { tenantId: string; accountId: string; upToEventId?: string | undefined },
): Promise<EvaluationResult & { events: number }> {
  const key = cursorKey(rt, p.accountId)
  const out: EvaluationResult & { events: number } = { notifications: [], deliveries: [], events: 0 }
  // The lookback bounds the scan through the (tenant_id, created_at) index; created_at is stamped by
  // the database, hence the wall clock here.
  const since = new Date(Date.now() - INVENTORY_LOOKBACK_MS)
  for (;;) {
    const cursor = await rt.redis.get(key)
    const rows: EventRow[] = await rt.prisma.resourceEvent.findMany({
      where: {
        tenantId: p.tenantId,
        createdAt: { gt: since },
        accountId: p.accountId,
        id: { gt: BigInt(cursor ?? '0'), ...(p.upToEventId ? { lte: BigInt(p.upToEventId) } : {}) },
      },
      orderBy: { id: 'asc' },
      take: INVENTORY_PAGE,
      select: { id: true, type: true, resourceId: true, createdAt: true, data: true },
    })
    if (rows.length === 0) return out
    const events = rows.map(toInventoryEvent).filter((e): e is InventoryEvent => e !== null)
    if (events.length > 0) {
      const r = await handleInventoryEvents(rt.prisma, { tenantId: p.tenantId, events, now: rt.now() })
      // Enqueue before moving the cursor: if we die in between, the re-read finds the same outbox rows.
      await enqueueDeliveries(rt.queues.webhooks, r.deliveries)
      out.notifications.push(...r.notifications)
      out.deliveries.push(...r.deliveries)
    }
    out.events += events.length
    await rt.redis.eval(SET_MAX, 1, key, rows[rows.length - 1]!.id.toString(), String(CURSOR_TTL_S))
    if (rows.length < INVENTORY_PAGE) return out
  }
}

async function evaluateKind(
  rt: Runtime,
  kind: AlertKind,
  d: Payload<'alerts', 'alerts.evaluate'>,
): Promise<EvaluationResult> {
  const now = rt.now()
  switch (kind) {
    case 'inventory':
      return d.accountId
        ? evaluateInventory(rt, { tenantId: d.tenantId, accountId: d.accountId, upToEventId: d.upToEventId })
        : { notifications: [], deliveries: [] }
    case 'metrics': {
      // The resources of the fetched region (series without points in the rule's window keep their state).
      const resourceIds =
        d.accountId && d.region
          ? (
              await rt.prisma.resource.findMany({
                where: { tenantId: d.tenantId, accountId: d.accountId, region: d.region, terminatedAt: null },
                select: { id: true },
              })
            ).map((r) => r.id)
          : undefined
      if (resourceIds && resourceIds.length === 0) return { notifications: [], deliveries: [] }
      return evaluateMetricRules(rt.prisma, {
        tenantId: d.tenantId,
        ...(resourceIds ? { resourceIds } : {}),
        now,
      })
    }
    case 'health':
      return evaluateAccountHealth(rt.prisma, {
        tenantId: d.tenantId,
        ...(d.accountId ? { accountIds: [d.accountId] } : {}),
        now,
      })
    case 'cost':
      return evaluateCostRules(rt.prisma, { tenantId: d.tenantId, now })
  }
}

/** `alerts.evaluate`: run the evaluator(s), enqueue the deliveries they persisted. */
export async function runEvaluation(
  rt: Runtime,
  d: Payload<'alerts', 'alerts.evaluate'>,
): Promise<{ notifications: number; deliveries: number }> {
  // No kind: a job from before the field existed — evaluate everything the tenant has (inventory needs an account).
  const kinds: readonly AlertKind[] = d.kind ? [d.kind] : ['metrics', 'health', 'cost']
  let notifications = 0
  let deliveries = 0
  for (const k of kinds) {
    const r = await evaluateKind(rt, k, d)
    if (k !== 'inventory') await enqueueDeliveries(rt.queues.webhooks, r.deliveries)
    notifications += r.notifications.length
    deliveries += r.deliveries.length
  }
  return { notifications, deliveries }
}

/** `alerts.sweep`: account health of every tenant with health rules (lag is a matter of time passing). */
export async function runAlertsSweep(rt: Runtime): Promise<{ tenants: number }> {
  const rows = await rt.prisma.alertRule.findMany({
    where: { kind: 'account_health', enabled: true },
    distinct: ['tenantId'],
    select: { tenantId: true },
  })
  const slot = Math.floor(rt.now().getTime() / 60_000) * 60_000
  for (const r of rows)
    await enqueueEvaluation(rt, jobIds.alertsHealth(r.tenantId, 'sweep', slot), {
      tenantId: r.tenantId,
      kind: 'health',
    })
  return { tenants: rows.length }
}

/** `webhooks.sweep`: outbox recovery. Deterministic job ids make it a no-op for attempts already queued. */
export async function runWebhookSweep(rt: Runtime): Promise<{ enqueued: number }> {
  // next_attempt_at is written with the wall clock (by @cms/alerts), so it is compared with the wall clock.
  const jobs = await listDueDeliveries(rt.prisma, { now: new Date(), graceMs: 60_000 })
  await enqueueDeliveries(rt.queues.webhooks, jobs)
  return { enqueued: jobs.length }
}

const JOB_ID_RE = /^webhook-(.+)-(\d+)-(\d+)$/

/** `webhook.deliver`: one attempt; the next one (if any) becomes a new delayed job. */
export async function runDelivery(
  rt: Runtime,
  d: Payload<'webhooks', 'webhook.deliver'>,
  jobId: string | undefined,
): Promise<{ status: string; attempt: number }> {
  // A job for an attempt that is no longer the current one (the delivery was replayed, or this attempt
  // already happened) must not send: only the attempt the outbox row is waiting for may go out.
  const m = jobId ? JOB_ID_RE.exec(jobId) : null
  if (m && m[1] === d.deliveryId) {
    const row = await rt.prisma.webhookDelivery.findFirst({
      where: { id: d.deliveryId, tenantId: d.tenantId },
      select: { generation: true, attempts: true, status: true },
    })
    if (
      !row ||
      row.status !== 'pending' ||
      row.generation !== Number(m[2]) ||
      row.attempts + 1 !== Number(m[3])
    )
      return { status: 'stale', attempt: 0 }
  }
  const r = await deliverWebhook(
    rt.prisma,
    rt.vault,
    { tenantId: d.tenantId, deliveryId: d.deliveryId },
    rt.webhooks,
  )
  if (r.next) await enqueueDeliveries(rt.queues.webhooks, [r.next])
  rt.telemetry.webhookAttempts.inc({ status: r.status })
  if (r.endpointDisabled) {
    // @cms/alerts already set needs_attention, cancelled its pending deliveries and wrote the audit log.
    rt.telemetry.webhookEndpointsDisabled.inc({ reason: r.endpointDisabled.reason })
    rt.log.warn(
      { tenantId: d.tenantId, endpointId: r.endpointDisabled.endpointId, reason: r.endpointDisabled.reason },
      'webhook endpoint disabled',
    )
  }
  return { status: r.status, attempt: r.attempt }
}
