/**
 * Signed provisioning API for other marketplaces (Korean CSPs) and direct sales: a partner creates,
 * changes and cancels subscriptions. Requests are signed like Standard Webhooks, with the partner's
 * shared secret: headers `partner-id`, `request-id` (unique; a replay is a no-op), `request-timestamp`
 * (unix seconds, ±5 min), `request-signature: v1,<base64 HMAC-SHA256("${id}.${ts}.${body}")>`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { z } from 'zod'
import { AppError } from '@cms/core'
import type { PrismaClient } from '@cms/db'
import { applySubscriptionEvent, provisionSubscription } from '../subscriptions'

export function signPartnerRequest(
  secret: string,
  requestId: string,
  timestamp: number,
  body: string,
): string {
  return `v1,${createHmac('sha256', secret).update(`${requestId}.${timestamp}.${body}`).digest('base64')}`
}

export interface PartnerRequest {
  headers: { get(name: string): string | null }
  body: string
}

/** Verify a partner request; returns the partner id. Every failure is the same 401. */
export function verifyPartnerRequest(
  req: PartnerRequest,
  secrets: Record<string, string>,
  now = Date.now(),
): string {
  const fail = (): never => {
    throw new AppError('unauthenticated', 'Invalid partner signature')
  }
  const partner = req.headers.get('partner-id') ?? fail()
  const id = req.headers.get('request-id') ?? fail()
  const ts = Number(req.headers.get('request-timestamp') ?? fail())
  const sigs = (req.headers.get('request-signature') ?? fail()).split(' ')
  const secret = secrets[partner] ?? fail()
  if (!Number.isFinite(ts) || Math.abs(now / 1000 - ts) > 300) fail()
  const expected = Buffer.from(signPartnerRequest(secret, id, ts, req.body))
  const ok = sigs.some((s) => {
    const b = Buffer.from(s)
    return b.length === expected.length && timingSafeEqual(b, expected)
  })
  if (!ok) fail()
  return partner
}

export const partnerCommandSchema = z.discriminatedUnion('action', [
  z.object({
    action: z.literal('create'),
    subscriptionId: z.string().min(1).max(200),
    organizationName: z.string().min(1).max(200),
    planId: z.string().min(1),
    quantity: z.number().int().positive().optional(),
  }),
  z.object({
    action: z.literal('change_plan'),
    subscriptionId: z.string().min(1),
    planId: z.string().min(1),
  }),
  z.object({
    action: z.literal('change_quantity'),
    subscriptionId: z.string().min(1),
    quantity: z.number().int().positive(),
  }),
  z.object({
    action: z.literal('suspend'),
    subscriptionId: z.string().min(1),
    reason: z.string().max(500).optional(),
  }),
  z.object({ action: z.literal('reinstate'), subscriptionId: z.string().min(1) }),
  z.object({
    action: z.literal('cancel'),
    subscriptionId: z.string().min(1),
    reason: z.string().max(500).optional(),
  }),
])
export type PartnerCommand = z.infer<typeof partnerCommandSchema>

export async function handlePartnerRequest(
  db: PrismaClient,
  req: PartnerRequest,
  secrets: Record<string, string>,
) {
  const partner = verifyPartnerRequest(req, secrets)
  let json: unknown
  try {
    json = JSON.parse(req.body)
  } catch {
    throw new AppError('bad_request', 'Body must be JSON')
  }
  const parsed = partnerCommandSchema.safeParse(json)
  if (!parsed.success) {
    throw new AppError('validation_failed', 'Invalid provisioning command', {
      fields: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    })
  }
  const cmd = parsed.data
  const externalId = `${partner}:${cmd.subscriptionId}`
  const eventId = `${partner}:${req.headers.get('request-id')}`
  if (cmd.action === 'create') {
    const r = await provisionSubscription(db, {
      source: 'partner',
      externalId,
      planId: cmd.planId,
      organizationName: cmd.organizationName,
      status: 'pending',
      quantity: cmd.quantity ?? null,
      data: { partner },
    })
    const applied = await applySubscriptionEvent(db, {
      source: 'partner',
      eventId,
      kind: 'activate',
      externalId,
    })
    return {
      tenantId: r.subscription.tenantId,
      subscriptionId: r.subscription.id,
      created: r.created,
      outcome: applied.outcome,
    }
  }
  const kind = cmd.action === 'cancel' ? 'cancel' : cmd.action
  const r = await applySubscriptionEvent(db, {
    source: 'partner',
    eventId,
    kind,
    externalId,
    ...('planId' in cmd ? { planId: cmd.planId } : {}),
    ...('quantity' in cmd ? { quantity: cmd.quantity } : {}),
    ...('reason' in cmd && cmd.reason ? { reason: cmd.reason } : {}),
  })
  if (r.outcome === 'unknown_subscription') throw new AppError('not_found', 'Unknown subscription')
  if (r.outcome === 'illegal_transition')
    throw new AppError('conflict', `Cannot ${cmd.action} a ${r.status} subscription`)
  return { outcome: r.outcome, status: r.status }
}
