/**
 * Google Cloud Marketplace SaaS: the sign-up JWT (`x-gcp-marketplace-token`, RS256 by kid from
 * Google's x509 metadata; iss, aud = our product domain, exp, sub = procurement account id) → approve
 * the account; Pub/Sub procurement events handled by reading the entitlement's *state* (never trusting
 * the event alone) and approving where needed.
 */
import { createHash } from 'node:crypto'
import { SignJWT, importPKCS8 } from 'jose'
import { z } from 'zod'
import { AppError } from '@cms/core'
import type { PrismaClient } from '@cms/db'
import { fetchJson, type FetchLike } from '../http'
import { cachedX509Keys } from '../jwks'
import { verifyRs256Jwt } from '../bearer-jwt'
import { applySubscriptionEvent, provisionSubscription, type SubscriptionEventKind } from '../subscriptions'

export const GCP_MARKETPLACE_ISSUER =
  'https://www.googleapis.com/robot/v1/metadata/x509/cloud-commerce-partner@system.gserviceaccount.com'

export interface GcpMarketplaceConfig {
  /** https://cloudcommerceprocurement.googleapis.com/v1 (or a simulator) */
  apiBase: string
  providerId: string
  /** Our product's domain: the sign-up JWT's audience. */
  audience: string
  /** Where Google's signing certificates are (defaults to the issuer URL). */
  certsUrl?: string
  issuer?: string
  /** Our service account (signs self-signed JWT access tokens). */
  serviceAccount: { client_email: string; private_key: string; private_key_id: string }
  fetch: FetchLike
  planMap: Record<string, string>
}

const entitlementSchema = z.object({
  name: z.string(),
  account: z.string(),
  plan: z.string().optional(),
  newPendingPlan: z.string().optional(),
  state: z.string(),
  product: z.string().optional(),
})
export type GcpEntitlement = z.infer<typeof entitlementSchema>

export class GcpProcurementClient {
  private readonly verifyKeys
  constructor(private readonly cfg: GcpMarketplaceConfig) {
    this.verifyKeys = cachedX509Keys(cfg.fetch, cfg.certsUrl ?? GCP_MARKETPLACE_ISSUER)
  }

  /** Verify the sign-up JWT; returns the procurement account id. Every failure is the same 4xx. */
  async verifySignupToken(token: string): Promise<{ accountId: string; userIdentity?: string }> {
    try {
      // A sign-up token is posted by the buyer's browser right after it was issued (minutes).
      const payload = await verifyRs256Jwt(token, this.verifyKeys, {
        issuer: this.cfg.issuer ?? GCP_MARKETPLACE_ISSUER,
        audience: this.cfg.audience,
        requiredClaims: ['sub'],
        clockTolerance: 30,
        maxTokenAge: '1h',
      })
      return {
        accountId: payload.sub!,
        userIdentity: (payload.google as { user_identity?: string } | undefined)?.user_identity,
      }
    } catch {
      throw new AppError('bad_request', 'Invalid marketplace sign-up token')
    }
  }

  private async accessToken(): Promise<string> {
    const sa = this.cfg.serviceAccount
    const key = await importPKCS8(sa.private_key, 'RS256')
    const now = Math.floor(Date.now() / 1000)
    // Self-signed JWT access (no token endpoint), as google-auth-library does for Google APIs.
    return new SignJWT({ scope: 'https://www.googleapis.com/auth/cloud-platform' })
      .setProtectedHeader({ alg: 'RS256', kid: sa.private_key_id, typ: 'JWT' })
      .setIssuer(sa.client_email)
      .setSubject(sa.client_email)
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .sign(key)
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    return fetchJson<T>(
      this.cfg.fetch,
      `${this.cfg.apiBase}/providers/${encodeURIComponent(this.cfg.providerId)}${path}`,
      {
        method,
        headers: { authorization: `Bearer ${await this.accessToken()}`, 'content-type': 'application/json' },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      },
    )
  }

  approveAccount(accountId: string) {
    return this.call('POST', `/accounts/${encodeURIComponent(accountId)}:approve`, { approvalName: 'signup' })
  }
  async getEntitlement(entitlementId: string): Promise<GcpEntitlement> {
    return entitlementSchema.parse(
      await this.call('GET', `/entitlements/${encodeURIComponent(entitlementId)}`),
    )
  }
  approveEntitlement(entitlementId: string) {
    return this.call('POST', `/entitlements/${encodeURIComponent(entitlementId)}:approve`, {})
  }
  approvePlanChange(entitlementId: string, pendingPlanName: string) {
    return this.call('POST', `/entitlements/${encodeURIComponent(entitlementId)}:approvePlanChange`, {
      pendingPlanName,
    })
  }
  planFor(gcpPlan: string | undefined): string {
    const plan = gcpPlan ? this.cfg.planMap[gcpPlan] : undefined
    if (!plan) throw new AppError('validation_failed', `GCP plan "${gcpPlan}" is not mapped to a CMS plan`)
    return plan
  }
}

/** Sign-up: verify the JWT, create or find the organization (keyed by procurement account), approve. */
export async function fulfillGcpSignup(
  db: PrismaClient,
  client: GcpProcurementClient,
  token: string,
  defaultPlan: string,
) {
  const { accountId } = await client.verifySignupToken(token)
  // Single use: a sign-up token seen before (a leaked URL, a replayed form post) is refused. The
  // token's digest is the event id (Google's sign-up JWT has no jti); a failed sign-up releases it so
  // the buyer's retry with the same token works.
  const eventId = `signup-token:${createHash('sha256').update(token).digest('hex')}`
  const first = await db.marketplaceEvent.createMany({
    data: [{ source: 'gcp', eventId, kind: 'signup', outcome: 'used' }],
    skipDuplicates: true,
  })
  if (first.count === 0) throw new AppError('bad_request', 'Invalid marketplace sign-up token')
  try {
    const { subscription, created } = await provisionSubscription(db, {
      source: 'gcp',
      externalId: accountId,
      planId: defaultPlan,
      organizationName: `Google Cloud customer ${accountId.slice(0, 12)}`,
      status: 'pending',
    })
    await client.approveAccount(accountId)
    return { tenantId: subscription.tenantId, subscriptionId: subscription.id, created }
  } catch (e) {
    await db.marketplaceEvent.deleteMany({ where: { source: 'gcp', eventId } })
    throw e
  }
}

const pubsubPush = z.object({
  message: z.object({ data: z.string(), messageId: z.string().optional() }),
})
const eventSchema = z.object({
  eventId: z.string().min(1),
  eventType: z.string().min(1),
  entitlement: z.object({ id: z.string() }).passthrough().optional(),
  account: z.object({ id: z.string() }).passthrough().optional(),
})

/**
 * A Pub/Sub push of a procurement event. We GET the entitlement and act on its state. Returns
 * 'retry' when the account is unknown (do not ack: Pub/Sub redelivers after sign-up completes).
 */
export async function handleGcpEvent(
  db: PrismaClient,
  client: GcpProcurementClient,
  body: unknown,
): Promise<'ok' | 'retry' | 'duplicate' | 'ignored'> {
  const push = pubsubPush.safeParse(body)
  if (!push.success) throw new AppError('validation_failed', 'Malformed Pub/Sub message')
  let ev
  try {
    ev = eventSchema.parse(JSON.parse(Buffer.from(push.data.message.data, 'base64').toString('utf8')))
  } catch {
    throw new AppError('validation_failed', 'Malformed procurement event')
  }
  if (!ev.entitlement) return 'ignored' // account events: sign-up handles approval
  const ent = await client.getEntitlement(ev.entitlement.id)
  const accountId = ent.account.split('/').pop()!
  const sub = await db.marketplaceSubscription.findUnique({
    where: { source_externalId: { source: 'gcp', externalId: accountId } },
  })
  if (!sub) return 'retry'

  let kind: SubscriptionEventKind
  let planId: string | undefined
  switch (ent.state) {
    case 'ENTITLEMENT_ACTIVATION_REQUESTED':
      await client.approveEntitlement(ev.entitlement.id)
      return 'ok'
    case 'ENTITLEMENT_ACTIVE':
      kind = sub.status === 'suspended' ? 'reinstate' : sub.status === 'pending' ? 'activate' : 'change_plan'
      planId = client.planFor(ent.plan)
      break
    case 'ENTITLEMENT_PENDING_PLAN_CHANGE_APPROVAL':
      if (ent.newPendingPlan) await client.approvePlanChange(ev.entitlement.id, ent.newPendingPlan)
      return 'ok'
    case 'ENTITLEMENT_PENDING_CANCELLATION':
      kind = 'cancel_pending'
      break
    case 'ENTITLEMENT_CANCELLED':
      kind = 'cancel'
      break
    case 'ENTITLEMENT_SUSPENDED':
      kind = 'suspend'
      break
    default:
      return 'ignored'
  }
  const r = await applySubscriptionEvent(db, {
    source: 'gcp',
    eventId: ev.eventId,
    kind,
    externalId: accountId,
    ...(planId ? { planId } : {}),
  })
  return r.outcome === 'duplicate' ? 'duplicate' : 'ok'
}
