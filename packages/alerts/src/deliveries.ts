/**
 * Outbox and delivery. Evaluation writes one `webhook_delivery` row per (notification, endpoint) —
 * unique, so a replayed evaluation adds nothing — and returns jobs for the scheduler to enqueue.
 * `deliverWebhook` performs exactly one attempt for a job and says when (if ever) to try again; the
 * scheduler owns the queue, this module owns the decisions and the attempt log.
 */
import { AppError, type Vault } from '@cms/core'
import type { Prisma, PrismaClient, TenantDb } from '@cms/db'
import type { Dispatcher } from 'undici'
import { loadResolvedEndpoint } from './endpoints'
import { buildDelivery } from './formats'
import { eventTypeOf, type AlertNotification } from './notification'
import { nextRetryDelay, type DeliveryPolicy } from './retry'
import { sendDelivery } from './send'
import type { UrlPolicy } from './ssrf'

/** One job for the scheduler's webhook queue. Payload = { tenantId, deliveryId }; ids only. */
export interface DeliveryJob {
  tenantId: string
  deliveryId: string
  endpointId: string
  /** Deterministic BullMQ job id (no ':'): the same attempt is never queued twice. */
  jobId: string
  /** Wait this long before running (0 = now). */
  delayMs: number
}

export const deliveryJobId = (deliveryId: string, generation: number, attempt: number): string =>
  `webhook-${deliveryId}-${generation}-${attempt}`

/** Standard Webhooks message id: stable for the delivery across all retries. */
export const messageIdOf = (deliveryId: string): string => `msg_${deliveryId.replace(/-/g, '')}`

export async function enqueueDeliveries(
  db: PrismaClient | Prisma.TransactionClient,
  produced: Array<{ notification: AlertNotification; instanceId: string | null }>,
  opts: { kind?: 'alert' | 'test' } = {},
): Promise<DeliveryJob[]> {
  const jobs: DeliveryJob[] = []
  const byTenant = new Map<string, typeof produced>()
  for (const p of produced)
    byTenant.set(p.notification.tenantId, [...(byTenant.get(p.notification.tenantId) ?? []), p])
  for (const [tenantId, items] of byTenant) {
    const endpointIds = [...new Set(items.flatMap((p) => p.notification.endpointIds))]
    if (endpointIds.length === 0) continue
    const active = new Set(
      (
        await db.webhookEndpoint.findMany({
          where: { tenantId, id: { in: endpointIds }, status: 'active' },
          select: { id: true },
        })
      ).map((e) => e.id),
    )
    const rows: Prisma.WebhookDeliveryCreateManyInput[] = []
    for (const { notification: n, instanceId } of items) {
      for (const endpointId of n.endpointIds) {
        if (!active.has(endpointId)) continue
        rows.push({
          tenantId,
          endpointId,
          instanceId,
          notificationId: n.id,
          kind: opts.kind ?? 'alert',
          eventType: opts.kind === 'test' ? 'webhook.test' : eventTypeOf(n),
          payload: n as unknown as Prisma.InputJsonValue,
          nextAttemptAt: new Date(),
        })
      }
    }
    if (rows.length === 0) continue
    await db.webhookDelivery.createMany({ data: rows, skipDuplicates: true })
    // Return only rows still waiting for their first attempt: a re-run of the same evaluation must
    // not re-send what already went out.
    const saved = await db.webhookDelivery.findMany({
      where: {
        tenantId,
        OR: rows.map((r) => ({ endpointId: r.endpointId, notificationId: r.notificationId })),
        status: 'pending',
        attempts: 0,
      },
      select: { id: true, endpointId: true, generation: true },
    })
    for (const d of saved) {
      jobs.push({
        tenantId,
        deliveryId: d.id,
        endpointId: d.endpointId,
        jobId: deliveryJobId(d.id, d.generation, 1),
        delayMs: 0,
      })
    }
  }
  return jobs
}

export type DeliverStatus = 'succeeded' | 'retry_scheduled' | 'failed' | 'endpoint_disabled' | 'skipped'

export interface DeliverResult {
  status: DeliverStatus
  /** The attempt number just made (0 when skipped). */
  attempt: number
  /** When status is retry_scheduled: the job to enqueue next (with its delay). */
  next: DeliveryJob | null
  /** Set when this attempt disabled the endpoint: tell the tenant (e.g. e-mail); also audit-logged. */
  endpointDisabled: { tenantId: string; endpointId: string; reason: 'gone' | 'sustained_failure' } | null
}

export interface DeliverOptions {
  policy: DeliveryPolicy
  urlPolicy: UrlPolicy
  dispatcher: Dispatcher
  now?: () => Date
  random?: () => number
}

async function disableEndpoint(
  db: PrismaClient,
  tenantId: string,
  endpointId: string,
  reason: 'gone' | 'sustained_failure',
  now: Date,
): Promise<void> {
  await db.$transaction([
    db.webhookEndpoint.updateMany({
      where: { tenantId, id: endpointId, status: 'active' },
      data: { status: 'disabled', disabledReason: reason, disabledAt: now, needsAttention: true },
    }),
    // Nothing else will be sent to it; pending messages are kept (cancelled) for replay.
    db.webhookDelivery.updateMany({
      where: { tenantId, endpointId, status: 'pending' },
      data: { status: 'cancelled', nextAttemptAt: null },
    }),
    db.auditLog.create({
      data: {
        tenantId,
        actorType: 'system',
        action: 'webhook_endpoint.disabled',
        targetType: 'webhook_endpoint',
        targetId: endpointId,
        data: { reason },
      },
    }),
  ])
}

/**
 * Make one attempt of a delivery (the scheduler's webhook job handler). Idempotent: a job for a
 * delivery that already succeeded, failed or was cancelled does nothing.
 */
export async function deliverWebhook(
  db: PrismaClient,
  vault: Vault,
  job: { tenantId: string; deliveryId: string },
  opts: DeliverOptions,
): Promise<DeliverResult> {
  const clock = opts.now ?? (() => new Date())
  const { tenantId, deliveryId } = job
  const none: DeliverResult = { status: 'skipped', attempt: 0, next: null, endpointDisabled: null }
  const d = await db.webhookDelivery.findFirst({ where: { id: deliveryId, tenantId } })
  if (!d || d.status !== 'pending') return none
  const loaded = await loadResolvedEndpoint(db, vault, tenantId, d.endpointId, clock()).catch(
    (e: unknown) => {
      if (e instanceof AppError && e.code === 'not_found') return null
      throw e
    },
  )
  if (!loaded || loaded.status !== 'active') {
    await db.webhookDelivery.updateMany({
      where: { id: d.id, tenantId, status: 'pending' },
      data: { status: 'cancelled', nextAttemptAt: null },
    })
    return none
  }
  const attempt = d.attempts + 1
  const startedAt = clock()
  const notification = d.payload as unknown as AlertNotification
  const request = buildDelivery(loaded.endpoint, notification, {
    msgId: messageIdOf(d.id),
    timestampSec: Math.floor(startedAt.getTime() / 1000),
    eventType: d.eventType,
    externalUrl: opts.policy.externalUrl,
  })
  const result = await sendDelivery(request, {
    dispatcher: opts.dispatcher,
    urlPolicy: opts.urlPolicy,
    policy: opts.policy,
    now: clock,
  })
  const now = clock()

  let status: DeliverStatus
  let delay: number | null = null
  let endpointDisabled: DeliverResult['endpointDisabled'] = null
  if (result.outcome === 'success') {
    status = 'succeeded'
  } else if (result.outcome === 'disable') {
    status = 'endpoint_disabled'
    endpointDisabled = { tenantId, endpointId: d.endpointId, reason: 'gone' }
  } else {
    const failingFor = loaded.failingSince ? now.getTime() - loaded.failingSince.getTime() : 0
    if (failingFor >= opts.policy.disableAfterMs * opts.policy.timeFactor) {
      status = 'endpoint_disabled'
      endpointDisabled = { tenantId, endpointId: d.endpointId, reason: 'sustained_failure' }
    } else {
      delay = nextRetryDelay(attempt, {
        retryAfterMs: result.retryAfterMs,
        policy: opts.policy,
        ...(opts.random ? { random: opts.random } : {}),
      })
      status = delay === null ? 'failed' : 'retry_scheduled'
    }
  }

  await db.$transaction([
    db.webhookAttempt.create({
      data: {
        tenantId,
        deliveryId: d.id,
        attempt,
        generation: d.generation,
        startedAt,
        durationMs: result.durationMs,
        statusCode: result.statusCode,
        outcome: result.outcome === 'retry' && status === 'failed' ? 'failed' : result.outcome,
        error: result.error,
        responseExcerpt: result.excerpt,
      },
    }),
    db.webhookDelivery.updateMany({
      where: { id: d.id, tenantId },
      data: {
        attempts: attempt,
        lastAttemptAt: startedAt,
        lastStatusCode: result.statusCode,
        status:
          status === 'succeeded'
            ? 'succeeded'
            : status === 'retry_scheduled'
              ? 'pending'
              : status === 'failed'
                ? 'failed'
                : 'cancelled',
        nextAttemptAt: delay === null ? null : new Date(now.getTime() + delay),
        ...(status === 'succeeded' ? { succeededAt: now } : {}),
      },
    }),
    status === 'succeeded'
      ? db.webhookEndpoint.updateMany({
          where: { id: d.endpointId, tenantId },
          data: { failingSince: null, lastSuccessAt: now },
        })
      : db.webhookEndpoint.updateMany({
          where: { id: d.endpointId, tenantId, failingSince: null },
          data: { failingSince: now },
        }),
  ])
  if (endpointDisabled) await disableEndpoint(db, tenantId, d.endpointId, endpointDisabled.reason, now)

  return {
    status,
    attempt,
    next:
      status === 'retry_scheduled'
        ? {
            tenantId,
            deliveryId: d.id,
            endpointId: d.endpointId,
            jobId: deliveryJobId(d.id, d.generation, attempt + 1),
            delayMs: delay ?? 0,
          }
        : null,
    endpointDisabled,
  }
}

/**
 * Manual replay (web): send a delivery again with a fresh retry schedule. Same webhook-id (it is the
 * same message; receivers deduplicate on it). The endpoint must be active.
 */
export async function replayDelivery(
  tdb: TenantDb,
  tenantId: string,
  deliveryId: string,
): Promise<DeliveryJob> {
  const d = await tdb.webhookDelivery.findFirst({
    where: { id: deliveryId, tenantId },
    include: { endpoint: { select: { status: true } } },
  })
  if (!d) throw new AppError('not_found', 'Delivery not found')
  if (d.endpoint.status !== 'active')
    throw new AppError('conflict', 'Webhook endpoint is disabled; enable it first')
  if (d.status === 'pending') throw new AppError('conflict', 'Delivery is already queued')
  const generation = d.generation + 1
  await tdb.webhookDelivery.updateMany({
    where: { id: d.id, tenantId },
    data: { status: 'pending', attempts: 0, generation, nextAttemptAt: new Date() },
  })
  return {
    tenantId,
    deliveryId: d.id,
    endpointId: d.endpointId,
    jobId: deliveryJobId(d.id, generation, 1),
    delayMs: 0,
  }
}

/** "Send test" (web): a synthetic firing alert of type `webhook.test` to one endpoint. */
export async function sendTestWebhook(
  client: PrismaClient | TenantDb,
  tenantId: string,
  endpointId: string,
  now = new Date(),
): Promise<DeliveryJob> {
  // The web passes its forTenant() client (RLS session), the scheduler its worker client.
  const db = client as PrismaClient
  const ep = await db.webhookEndpoint.findFirst({
    where: { id: endpointId, tenantId },
    select: { id: true, status: true },
  })
  if (!ep) throw new AppError('not_found', 'Webhook endpoint not found')
  if (ep.status !== 'active') throw new AppError('conflict', 'Webhook endpoint is disabled; enable it first')
  const id = `test:${endpointId}:${now.getTime()}`
  const n: AlertNotification = {
    id,
    tenantId,
    ruleId: '00000000-0000-0000-0000-000000000000',
    ruleName: 'Test notification',
    ruleKind: 'test',
    fingerprint: `test-${endpointId}`,
    status: 'firing',
    oneShot: true,
    severity: 'info',
    summary: 'This is a test notification from CMS.',
    labels: { test: 'true' },
    annotations: {},
    value: null,
    startsAt: now.toISOString(),
    endsAt: null,
    endpointIds: [endpointId],
  }
  const [job] = await enqueueDeliveries(db, [{ notification: n, instanceId: null }], { kind: 'test' })
  if (!job) throw new AppError('conflict', 'Test delivery could not be created')
  return job
}

/**
 * Outbox sweeper (scheduler, every minute): pending deliveries whose next attempt is overdue by
 * `graceMs`, e.g. because the process died between the DB commit and the enqueue. Re-enqueueing
 * with the returned deterministic job ids is safe: a job that exists is not added twice.
 */
export async function listDueDeliveries(
  db: PrismaClient,
  opts: { now?: Date; graceMs?: number; limit?: number } = {},
): Promise<DeliveryJob[]> {
  const cutoff = new Date((opts.now ?? new Date()).getTime() - (opts.graceMs ?? 60_000))
  const rows = await db.webhookDelivery.findMany({
    where: { status: 'pending', nextAttemptAt: { lte: cutoff } },
    orderBy: { nextAttemptAt: 'asc' },
    take: opts.limit ?? 500,
    select: { id: true, tenantId: true, endpointId: true, generation: true, attempts: true },
  })
  return rows.map((r) => ({
    tenantId: r.tenantId,
    deliveryId: r.id,
    endpointId: r.endpointId,
    jobId: deliveryJobId(r.id, r.generation, r.attempts + 1),
    delayMs: 0,
  }))
}
