/**
 * Alerts for the API and pages: thin wrappers over @cms/alerts (tenant-scoped data access, request
 * schemas, the SSRF guard) that add what the web owns — plan limits, the audit trail, and "send test" /
 * "replay" dispatch.
 *
 * Dispatch: "send test" and "replay" write the delivery to the outbox (@cms/alerts) and enqueue its
 * `webhook.deliver` job on the scheduler's `webhooks` queue (`enqueueDelivery`); a worker makes the
 * attempt through its SSRF-pinned dispatcher, exactly like an alert's. The request never connects to a
 * tenant's URL. If Redis is unreachable the outbox row is still there and the worker's sweeper
 * (`webhooks.sweep`, every minute) enqueues it.
 */
import {
  acknowledgeEndpointAttention,
  createAlertRule,
  createSilence,
  createWebhookEndpoint,
  deleteAlertRule,
  deleteWebhookEndpoint,
  expireSilence,
  getAlertRule,
  getWebhookEndpoint,
  listAlertInstances,
  listAlertRules,
  listDeliveries,
  listSilences,
  listWebhookEndpoints,
  replayDelivery,
  rotateWebhookSecret,
  sendTestWebhook,
  updateAlertRule,
  updateWebhookEndpoint,
  urlPolicyFromConfig,
  type AlertRuleView,
  type CreateAlertRuleInput,
  type CreateSilenceInput,
  type CreateWebhookEndpointInput,
  type DeliveryJob,
  type UpdateAlertRuleInput,
  type UpdateWebhookEndpointInput,
  type WebhookEndpointView,
} from '@cms/alerts'
import { AppError } from '@cms/core'
import { assertWithinLimit } from '@cms/marketplace'
import { planDb } from './plans'
import { services } from './services'
import { audit, type TenantContext } from './tenant-guard'

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null)
const userId = (t: TenantContext) => (t.actor.type === 'user' ? t.actor.id : undefined)

// ------------------------------------------------------------------ rules

export function ruleView(r: AlertRuleView) {
  return { ...r, createdAt: r.createdAt.toISOString(), updatedAt: r.updatedAt.toISOString() }
}

export async function listRules(t: TenantContext) {
  return (await listAlertRules(t.db, t.tenantId)).map(ruleView)
}

export async function getRule(t: TenantContext, id: string) {
  return ruleView(await getAlertRule(t.db, t.tenantId, id))
}

export async function createRule(t: TenantContext, input: CreateAlertRuleInput) {
  await assertWithinLimit(planDb(t), t.tenantId, 'alertRules', await t.db.alertRule.count({ where: {} }))
  const uid = userId(t)
  const r = await createAlertRule(t.db, t.tenantId, input, uid ? { createdById: uid } : {})
  await audit(t, 'alert_rule.create', { type: 'alert_rule', id: r.id }, { kind: r.kind })
  return ruleView(r)
}

export async function patchRule(t: TenantContext, id: string, input: UpdateAlertRuleInput) {
  const r = await updateAlertRule(t.db, t.tenantId, id, input)
  await audit(t, 'alert_rule.update', { type: 'alert_rule', id }, { fields: Object.keys(input) })
  return ruleView(r)
}

export async function removeRule(t: TenantContext, id: string) {
  await deleteAlertRule(t.db, t.tenantId, id)
  await audit(t, 'alert_rule.delete', { type: 'alert_rule', id })
  return { id, deleted: true as const }
}

// ------------------------------------------------------------------ webhook endpoints

export function endpointView(e: WebhookEndpointView) {
  return {
    ...e,
    disabledAt: iso(e.disabledAt),
    failingSince: iso(e.failingSince),
    lastSuccessAt: iso(e.lastSuccessAt),
    createdAt: e.createdAt.toISOString(),
    updatedAt: e.updatedAt.toISOString(),
  }
}

export async function listEndpoints(t: TenantContext) {
  return (await listWebhookEndpoints(t.db, t.tenantId)).map(endpointView)
}

export async function getEndpoint(t: TenantContext, id: string) {
  return endpointView(await getWebhookEndpoint(t.db, t.tenantId, id))
}

/** The signing secret is in this response only; it is never readable again (rotate to get a new one). */
export async function createEndpoint(t: TenantContext, input: CreateWebhookEndpointInput) {
  await assertWithinLimit(
    planDb(t),
    t.tenantId,
    'webhookEndpoints',
    await t.db.webhookEndpoint.count({ where: {} }),
  )
  const { endpoint, signingSecret } = await createWebhookEndpoint(t.db, services().vault, t.tenantId, input, {
    urlPolicy: urlPolicyFromConfig(),
  })
  await audit(
    t,
    'webhook_endpoint.create',
    { type: 'webhook_endpoint', id: endpoint.id },
    { format: endpoint.format },
  )
  return { endpoint: endpointView(endpoint), signingSecret }
}

export async function patchEndpoint(
  t: TenantContext,
  id: string,
  input: UpdateWebhookEndpointInput & { acknowledge?: boolean },
) {
  const { acknowledge, ...patch } = input
  await getWebhookEndpoint(t.db, t.tenantId, id)
  if (Object.keys(patch).length > 0)
    await updateWebhookEndpoint(t.db, services().vault, t.tenantId, id, patch, {
      urlPolicy: urlPolicyFromConfig(),
    })
  if (acknowledge) await acknowledgeEndpointAttention(t.db, t.tenantId, id)
  await audit(t, 'webhook_endpoint.update', { type: 'webhook_endpoint', id }, { fields: Object.keys(input) })
  return getEndpoint(t, id)
}

export async function removeEndpoint(t: TenantContext, id: string) {
  await deleteWebhookEndpoint(t.db, t.tenantId, id)
  await audit(t, 'webhook_endpoint.delete', { type: 'webhook_endpoint', id })
  return { id, deleted: true as const }
}

export async function rotateSecret(t: TenantContext, id: string, graceHours: number) {
  const { endpoint, signingSecret } = await rotateWebhookSecret(t.db, services().vault, t.tenantId, id, {
    graceHours,
  })
  await audit(t, 'webhook_endpoint.rotate_secret', { type: 'webhook_endpoint', id }, { graceHours })
  return { endpoint: endpointView(endpoint), signingSecret }
}

// ------------------------------------------------------------------ deliveries

type DeliveryRow = Awaited<ReturnType<typeof listDeliveries>>[number]

export function deliveryView(d: DeliveryRow) {
  return {
    id: d.id,
    endpointId: d.endpointId,
    kind: d.kind,
    eventType: d.eventType,
    status: d.status,
    attempts: d.attempts,
    generation: d.generation,
    nextAttemptAt: iso(d.nextAttemptAt),
    lastAttemptAt: iso(d.lastAttemptAt),
    lastStatusCode: d.lastStatusCode,
    succeededAt: iso(d.succeededAt),
    createdAt: d.createdAt.toISOString(),
    attemptLog: d.attemptLog.map((a) => ({
      attempt: a.attempt,
      generation: a.generation,
      startedAt: a.startedAt.toISOString(),
      durationMs: a.durationMs,
      statusCode: a.statusCode,
      outcome: a.outcome,
      error: a.error,
      responseExcerpt: a.responseExcerpt,
    })),
  }
}

export async function endpointDeliveries(t: TenantContext, endpointId: string, limit = 50) {
  await getWebhookEndpoint(t.db, t.tenantId, endpointId)
  return (await listDeliveries(t.db, t.tenantId, { endpointId, limit })).map(deliveryView)
}

async function deliveryById(t: TenantContext, id: string) {
  const d = await t.db.webhookDelivery.findFirst({
    where: { id },
    include: { attemptLog: { orderBy: { startedAt: 'asc' } } },
  })
  if (!d) throw new AppError('not_found', 'Delivery not found')
  return deliveryView(d)
}

/** How long an outbox row may wait before the worker's sweeper enqueues it (its `graceMs`). */
const SWEEP_GRACE_MS = 60_000

/**
 * Hand the delivery to the workers (see the module comment). `queued`: the attempt is made by a worker
 * within moments (`nextAttemptInMs` 0), or — when the queue was unreachable — by the sweeper.
 */
async function enqueue(job: DeliveryJob) {
  try {
    const { enqueueDelivery } = await import('@cms/scheduler/notify')
    await enqueueDelivery(job)
    return { status: 'queued', attempt: 0, nextAttemptInMs: job.delayMs }
  } catch (err) {
    services().log.warn(
      { tenantId: job.tenantId, deliveryId: job.deliveryId, err: (err as Error).message },
      'webhook job not enqueued; the outbox sweeper will send it',
    )
    return { status: 'queued', attempt: 0, nextAttemptInMs: SWEEP_GRACE_MS }
  }
}

export async function sendTest(t: TenantContext, endpointId: string) {
  const job = await sendTestWebhook(t.db, t.tenantId, endpointId)
  await audit(t, 'webhook_endpoint.test', { type: 'webhook_endpoint', id: endpointId })
  const result = await enqueue(job)
  return { result, delivery: await deliveryById(t, job.deliveryId) }
}

export async function replay(t: TenantContext, deliveryId: string) {
  const job = await replayDelivery(t.db, t.tenantId, deliveryId)
  await audit(t, 'webhook_delivery.replay', { type: 'webhook_delivery', id: deliveryId })
  const result = await enqueue(job)
  return { result, delivery: await deliveryById(t, deliveryId) }
}

// ------------------------------------------------------------------ silences and alert instances

type SilenceRow = Awaited<ReturnType<typeof listSilences>>[number]
export function silenceView(s: SilenceRow) {
  return {
    id: s.id,
    ruleId: s.ruleId,
    matchers: s.matchers as Record<string, string>,
    startsAt: s.startsAt.toISOString(),
    endsAt: s.endsAt.toISOString(),
    comment: s.comment,
    createdAt: s.createdAt.toISOString(),
  }
}

export async function silences(t: TenantContext, activeOnly: boolean) {
  return (await listSilences(t.db, t.tenantId, activeOnly ? { activeAt: new Date() } : {})).map(silenceView)
}

export async function addSilence(t: TenantContext, input: CreateSilenceInput) {
  const uid = userId(t)
  const s = await createSilence(t.db, t.tenantId, input, uid ? { createdById: uid } : {})
  await audit(t, 'alert_silence.create', { type: 'alert_silence', id: s.id })
  return silenceView(s)
}

export async function endSilence(t: TenantContext, id: string) {
  await expireSilence(t.db, t.tenantId, id)
  await audit(t, 'alert_silence.expire', { type: 'alert_silence', id })
  return { id, expired: true as const }
}

const ACTIVE_STATES = ['firing', 'pending']
const RECENT_DAYS = 7

/** Active (firing/pending) and recently resolved alerts, with the rule name and links for the UI. */
export async function alertList(
  t: TenantContext,
  opts: { state?: 'active' | 'recent' | 'all'; limit?: number } = {},
) {
  const state = opts.state ?? 'all'
  const rows = await listAlertInstances(t.db, t.tenantId, {
    ...(state === 'active' ? { states: ACTIVE_STATES } : state === 'recent' ? { states: ['resolved'] } : {}),
    limit: opts.limit ?? 100,
  })
  const since = Date.now() - RECENT_DAYS * 86_400_000
  const visible = rows.filter(
    (r) =>
      ACTIVE_STATES.includes(r.state) || (r.state === 'resolved' && (r.resolvedAt?.getTime() ?? 0) >= since),
  )
  const ruleIds = [...new Set(visible.map((r) => r.ruleId))]
  const rules = ruleIds.length
    ? await t.db.alertRule.findMany({
        where: { id: { in: ruleIds } },
        select: { id: true, name: true, severity: true, kind: true },
      })
    : []
  const byId = new Map(rules.map((r) => [r.id, r]))
  return visible.map((r) => {
    const labels = (r.labels ?? {}) as Record<string, string>
    const rule = byId.get(r.ruleId)
    return {
      id: r.id,
      ruleId: r.ruleId,
      ruleName: rule?.name ?? '',
      severity: rule?.severity ?? 'warning',
      kind: rule?.kind ?? '',
      state: r.state,
      summary: r.summary,
      value: r.value,
      labels,
      fingerprint: r.fingerprint,
      firingSince: iso(r.firingSince),
      pendingSince: iso(r.pendingSince),
      resolvedAt: iso(r.resolvedAt),
      updatedAt: r.updatedAt.toISOString(),
      resourceId: labels.resource_id ?? null,
      metric: labels.metric ?? null,
    }
  })
}
