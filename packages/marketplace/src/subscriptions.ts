/**
 * One subscription state machine for every source (AWS, Azure, GCP, partners):
 *
 *   pending ──activate──► active ──suspend──► suspended ──reinstate──► active
 *      │                    │                     │
 *      └──────────── cancel ┴─────────────────────┴──► cancelled  (data purged after the grace period)
 *
 * Marketplace messages are normalized into `SubscriptionEvent`s; each is recorded once by its
 * source's own id (a replay is a no-op), applied if the transition is legal, and audited.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { AppError } from '@cms/core'
import type { PrismaClient, Prisma } from '@cms/db'

export type SubscriptionSource = 'aws' | 'azure' | 'gcp' | 'partner'
export type SubscriptionStatus = 'pending' | 'active' | 'suspended' | 'cancelled'

export type SubscriptionEventKind =
  | 'activate'
  | 'activation_failed'
  | 'suspend'
  | 'reinstate'
  | 'cancel_pending'
  | 'cancel'
  | 'change_plan'
  | 'change_quantity'
  | 'renew'

/** The one internal event type every marketplace source (SNS, EventBridge, Azure, GCP, partners) maps to. */
export interface SubscriptionEvent {
  source: SubscriptionSource
  /** The source's own message id (SNS MessageId, Azure operation id, Pub/Sub eventId, partner request id). */
  eventId: string
  kind: SubscriptionEventKind
  externalId: string
  planId?: string
  quantity?: number
  reason?: string
  payload?: Record<string, unknown>
}

const TRANSITIONS: Record<SubscriptionEventKind, Partial<Record<SubscriptionStatus, SubscriptionStatus>>> = {
  activate: { pending: 'active', active: 'active' },
  activation_failed: { pending: 'cancelled' },
  suspend: { active: 'suspended', suspended: 'suspended' },
  reinstate: { suspended: 'active', active: 'active' },
  cancel_pending: { pending: 'pending', active: 'active', suspended: 'suspended' },
  cancel: { pending: 'cancelled', active: 'cancelled', suspended: 'cancelled', cancelled: 'cancelled' },
  change_plan: { pending: 'pending', active: 'active', suspended: 'suspended' },
  change_quantity: { pending: 'pending', active: 'active', suspended: 'suspended' },
  renew: { active: 'active', suspended: 'active' },
}

export function nextStatus(from: SubscriptionStatus, kind: SubscriptionEventKind): SubscriptionStatus | null {
  return TRANSITIONS[kind][from] ?? null
}

export interface MarketplaceOptions {
  /** Days between cancellation and deletion of the tenant's data. */
  purgeGraceDays?: number
  now?: () => Date
}
const DEFAULT_GRACE_DAYS = 30

/** Record an inbound message once. Returns false if this (source, eventId) was seen before. */
export async function recordMarketplaceEvent(
  db: PrismaClient,
  ev: {
    source: SubscriptionSource
    eventId: string
    kind: string
    tenantId?: string | null
    subscriptionId?: string | null
    payload?: unknown
  },
): Promise<boolean> {
  const rows = await db.$executeRaw`
    INSERT INTO marketplace_event (source, event_id, kind, tenant_id, subscription_id, payload)
    VALUES (${ev.source}, ${ev.eventId}, ${ev.kind}, ${ev.tenantId ?? null}::uuid, ${ev.subscriptionId ?? null}::uuid, ${JSON.stringify(ev.payload ?? {})}::jsonb)
    ON CONFLICT (source, event_id) DO NOTHING`
  return rows === 1
}

async function audit(
  db: Prisma.TransactionClient | PrismaClient,
  tenantId: string,
  action: string,
  data: Record<string, unknown>,
) {
  await db.auditLog.create({
    data: {
      tenantId,
      actorType: 'marketplace',
      action,
      targetType: 'subscription',
      targetId: String(data.subscriptionId ?? ''),
      data: data as Prisma.InputJsonValue,
    },
  })
}

export interface ProvisionInput {
  source: SubscriptionSource
  externalId: string
  planId: string
  organizationName: string
  status?: SubscriptionStatus
  quantity?: number | null
  customerIdentifier?: string | null
  customerAccountId?: string | null
  licenseArn?: string | null
  productCode?: string | null
  offerId?: string | null
  data?: Record<string, unknown>
}

/**
 * Create (or find) the subscription and its organization. Idempotent on (source, externalId): a buyer
 * who comes back through the same token lands in the same organization.
 */
export async function provisionSubscription(db: PrismaClient, input: ProvisionInput) {
  const plan = await db.plan.findUnique({ where: { id: input.planId } })
  if (!plan) throw new AppError('validation_failed', `Unknown plan "${input.planId}"`, { field: 'planId' })
  const existing = await db.marketplaceSubscription.findUnique({
    where: { source_externalId: { source: input.source, externalId: input.externalId } },
  })
  if (existing) return { subscription: existing, created: false }
  return db.$transaction(async (tx) => {
    const org = await tx.organization.create({
      data: {
        name: input.organizationName,
        slug: `${input.source}-${randomBytes(5).toString('hex')}`,
        planId: input.planId,
      },
    })
    const subscription = await tx.marketplaceSubscription.create({
      data: {
        id: randomUUID(),
        tenantId: org.id,
        source: input.source,
        externalId: input.externalId,
        planId: input.planId,
        status: input.status ?? 'pending',
        quantity: input.quantity ?? null,
        customerIdentifier: input.customerIdentifier ?? null,
        customerAccountId: input.customerAccountId ?? null,
        licenseArn: input.licenseArn ?? null,
        productCode: input.productCode ?? null,
        offerId: input.offerId ?? null,
        data: (input.data ?? {}) as Prisma.InputJsonValue,
      },
    })
    await audit(tx, org.id, 'subscription.created', {
      subscriptionId: subscription.id,
      source: input.source,
      planId: input.planId,
      status: subscription.status,
    })
    return { subscription, created: true }
  })
}

export type ApplyOutcome = 'applied' | 'duplicate' | 'unknown_subscription' | 'illegal_transition'

/**
 * Apply a normalized event: dedupe by (source, eventId), check the transition, update status / plan /
 * quantity, propagate the plan to the organization, set or clear the purge date, audit.
 */
export async function applySubscriptionEvent(
  db: PrismaClient,
  ev: SubscriptionEvent,
  opts: MarketplaceOptions = {},
): Promise<{ outcome: ApplyOutcome; status?: SubscriptionStatus }> {
  const now = opts.now?.() ?? new Date()
  const sub = await db.marketplaceSubscription.findUnique({
    where: { source_externalId: { source: ev.source, externalId: ev.externalId } },
  })
  const fresh = await recordMarketplaceEvent(db, {
    ...ev,
    tenantId: sub?.tenantId ?? null,
    subscriptionId: sub?.id ?? null,
  })
  if (!fresh) return { outcome: 'duplicate' }
  if (!sub) return { outcome: 'unknown_subscription' }
  const to = nextStatus(sub.status, ev.kind)
  if (!to) {
    await audit(db, sub.tenantId, 'subscription.rejected_transition', {
      subscriptionId: sub.id,
      from: sub.status,
      kind: ev.kind,
      eventId: ev.eventId,
    })
    return { outcome: 'illegal_transition', status: sub.status }
  }
  if (ev.planId !== undefined && !(await db.plan.findUnique({ where: { id: ev.planId } }))) {
    throw new AppError('validation_failed', `Unknown plan "${ev.planId}"`, { field: 'planId' })
  }
  const graceDays = opts.purgeGraceDays ?? DEFAULT_GRACE_DAYS
  await db.$transaction(async (tx) => {
    await tx.marketplaceSubscription.update({
      where: { id: sub.id },
      data: {
        status: to,
        statusReason: ev.reason ?? ev.kind,
        planId: ev.planId ?? sub.planId,
        quantity: ev.quantity ?? sub.quantity,
        purgeAfter: to === 'cancelled' ? new Date(now.getTime() + graceDays * 86_400_000) : null,
        updatedAt: now,
      },
    })
    if (ev.planId && ev.planId !== sub.planId)
      await tx.organization.update({ where: { id: sub.tenantId }, data: { planId: ev.planId } })
    await audit(tx, sub.tenantId, `subscription.${ev.kind}`, {
      subscriptionId: sub.id,
      from: sub.status,
      to,
      source: ev.source,
      eventId: ev.eventId,
      planId: ev.planId,
      quantity: ev.quantity,
    })
  })
  return { outcome: 'applied', status: to }
}

/** Delete tenants whose subscription was cancelled and whose grace period ended (cascades to all data). */
export async function purgeCancelledTenants(db: PrismaClient, now = new Date()): Promise<string[]> {
  const due = await db.marketplaceSubscription.findMany({
    where: { status: 'cancelled', purgeAfter: { lte: now } },
    select: { tenantId: true },
  })
  const tenantIds = [...new Set(due.map((d) => d.tenantId))]
  for (const tenantId of tenantIds) {
    // Only if no other live subscription keeps the tenant.
    const live = await db.marketplaceSubscription.count({
      where: { tenantId, status: { in: ['pending', 'active', 'suspended'] } },
    })
    if (live === 0) await db.organization.delete({ where: { id: tenantId } })
  }
  return tenantIds
}
