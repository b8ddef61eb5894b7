/**
 * Azure Marketplace SaaS Fulfillment API v2 (api-version 2018-08-31): landing-page token → resolve →
 * organization → activate; webhook notifications validated (Entra JWT) and confirmed by reading the
 * operation back before acting; ChangePlan / ChangeQuantity are acknowledged with PATCH Success.
 */
import type { JSONWebKeySet } from 'jose'
import { z } from 'zod'
import { AppError } from '@cms/core'
import type { PrismaClient } from '@cms/db'
import { fetchJson, type FetchLike } from '../http'
import { cachedJwks } from '../jwks'
import { bearerToken, verifyRs256Jwt } from '../bearer-jwt'
import { applySubscriptionEvent, provisionSubscription, type SubscriptionEventKind } from '../subscriptions'

/** The Microsoft Marketplace SaaS API's application id (token audience and webhook azp/appid). */
export const AZURE_MARKETPLACE_APP_ID = '20e940b3-4c77-4b0b-9a53-9e16a1b010a7'
const API_VERSION = '2018-08-31'

export interface AzureSaasConfig {
  /** https://marketplaceapi.microsoft.com/api/saas (or a simulator). */
  apiBase: string
  /** https://login.microsoftonline.com (or a simulator). */
  authority: string
  /** Our Entra tenant and app registration (the publisher's). */
  tenantId: string
  clientId: string
  clientSecret: string
  fetch: FetchLike
  /** plan id in the offer → our plan id */
  planMap: Record<string, string>
}

const resolved = z.object({
  id: z.string(),
  subscriptionName: z.string().optional(),
  offerId: z.string(),
  planId: z.string(),
  quantity: z.number().nullable().optional(),
  subscription: z
    .object({
      saasSubscriptionStatus: z.string().optional(),
      beneficiary: z
        .object({ emailId: z.string().optional(), tenantId: z.string().optional() })
        .partial()
        .optional(),
    })
    .passthrough()
    .optional(),
})

export class AzureSaasClient {
  private token?: { value: string; exp: number }
  constructor(private readonly cfg: AzureSaasConfig) {}

  private async bearer(): Promise<string> {
    if (this.token && this.token.exp > Date.now() + 60_000) return this.token.value
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: this.cfg.clientId,
      client_secret: this.cfg.clientSecret,
      scope: `${AZURE_MARKETPLACE_APP_ID}/.default`,
    }).toString()
    const t = await fetchJson<{ access_token?: string; expires_in?: number }>(
      this.cfg.fetch,
      `${this.cfg.authority}/${this.cfg.tenantId}/oauth2/v2.0/token`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      },
    )
    if (!t.access_token) throw new AppError('credentials_invalid', 'Azure Marketplace token request failed')
    this.token = { value: t.access_token, exp: Date.now() + (t.expires_in ?? 3600) * 1000 }
    return t.access_token
  }

  private async call<T>(
    method: string,
    path: string,
    extra: { headers?: Record<string, string>; body?: unknown } = {},
  ): Promise<T> {
    const sep = path.includes('?') ? '&' : '?'
    return fetchJson<T>(this.cfg.fetch, `${this.cfg.apiBase}${path}${sep}api-version=${API_VERSION}`, {
      method,
      headers: {
        authorization: `Bearer ${await this.bearer()}`,
        'content-type': 'application/json',
        ...extra.headers,
      },
      ...(extra.body !== undefined ? { body: JSON.stringify(extra.body) } : {}),
    })
  }

  resolve(marketplaceToken: string) {
    return this.call<unknown>('POST', '/subscriptions/resolve', {
      headers: { 'x-ms-marketplace-token': marketplaceToken },
    }).then((r) => resolved.parse(r))
  }
  activate(subscriptionId: string, planId: string, quantity?: number | null) {
    return this.call<unknown>('POST', `/subscriptions/${encodeURIComponent(subscriptionId)}/activate`, {
      body: { planId, ...(quantity ? { quantity } : {}) },
    })
  }
  getOperation(subscriptionId: string, operationId: string) {
    return this.call<{ id: string; action: string; status: string; planId?: string; quantity?: number }>(
      'GET',
      `/subscriptions/${encodeURIComponent(subscriptionId)}/operations/${encodeURIComponent(operationId)}`,
    )
  }
  patchOperation(subscriptionId: string, operationId: string, status: 'Success' | 'Failure') {
    return this.call<unknown>(
      'PATCH',
      `/subscriptions/${encodeURIComponent(subscriptionId)}/operations/${encodeURIComponent(operationId)}`,
      { body: { status } },
    )
  }

  planFor(azurePlanId: string): string {
    const plan = this.cfg.planMap[azurePlanId]
    if (!plan)
      throw new AppError('validation_failed', `Azure plan "${azurePlanId}" is not mapped to a CMS plan`)
    return plan
  }
}

/** Landing page: resolve the token, create or find the organization, activate. */
export async function fulfillAzureToken(db: PrismaClient, client: AzureSaasClient, landingToken: string) {
  if (!landingToken) throw new AppError('bad_request', 'Missing marketplace token', { field: 'token' })
  const sub = await client.resolve(decodeURIComponent(landingToken)).catch((e: unknown) => {
    // Microsoft answers 400 for an invalid/expired token (fetchJson maps every 4xx but 401/403/404 to cloud_unavailable).
    if (e instanceof AppError && (e.code === 'not_found' || e.httpStatus < 500 || e.details.status === 400)) {
      throw new AppError(
        'bad_request',
        'The marketplace token is invalid or expired. Open the offer from Azure again.',
      )
    }
    throw e
  })
  const planId = client.planFor(sub.planId)
  const { subscription, created } = await provisionSubscription(db, {
    source: 'azure',
    externalId: sub.id,
    planId,
    organizationName: sub.subscriptionName ?? `Azure subscription ${sub.id.slice(0, 8)}`,
    status: 'pending',
    quantity: sub.quantity ?? null,
    offerId: sub.offerId,
    data: { beneficiaryTenantId: sub.subscription?.beneficiary?.tenantId ?? null },
  })
  if (subscription.status === 'pending') {
    await client.activate(sub.id, sub.planId, sub.quantity)
    await applySubscriptionEvent(db, {
      source: 'azure',
      eventId: `activate:${sub.id}`,
      kind: 'activate',
      externalId: sub.id,
    })
  }
  return { tenantId: subscription.tenantId, subscriptionId: subscription.id, created }
}

export interface AzureJwtConfig {
  /** OpenID configuration URL of our tenant, e.g. https://login.microsoftonline.com/{tid}/v2.0/.well-known/openid-configuration */
  jwksLoader: () => Promise<JSONWebKeySet>
  audience: string
  tenantId: string
  issuers: string[]
}

export function azureWebhookVerifier(cfg: AzureJwtConfig) {
  const keys = cachedJwks(cfg.jwksLoader)
  return async (authorization: string | null) => {
    const token = bearerToken(authorization)
    if (!token) throw new AppError('unauthenticated', 'Invalid webhook token')
    try {
      // Entra access tokens live 60–90 minutes.
      const payload = await verifyRs256Jwt(token, keys, {
        audience: cfg.audience,
        issuer: cfg.issuers,
        clockTolerance: 60,
        maxTokenAge: '2h',
      })
      const caller = (payload.azp ?? payload.appid) as string | undefined
      if (payload.tid !== cfg.tenantId || caller !== AZURE_MARKETPLACE_APP_ID)
        throw new Error('wrong tenant or caller')
      return payload
    } catch {
      throw new AppError('unauthenticated', 'Invalid webhook token')
    }
  }
}

const webhookBody = z.object({
  id: z.string().min(1),
  subscriptionId: z.string().min(1),
  action: z.enum(['ChangePlan', 'ChangeQuantity', 'Renew', 'Suspend', 'Unsubscribe', 'Reinstate']),
  planId: z.string().optional(),
  quantity: z.number().int().nullable().optional(),
  status: z.string().optional(),
})

const ACTION_KIND: Record<z.infer<typeof webhookBody>['action'], SubscriptionEventKind> = {
  ChangePlan: 'change_plan',
  ChangeQuantity: 'change_quantity',
  Renew: 'renew',
  Suspend: 'suspend',
  Unsubscribe: 'cancel',
  Reinstate: 'reinstate',
}

/**
 * A webhook call, after JWT validation: confirm the operation with Microsoft (GET) before acting,
 * apply it, and acknowledge ChangePlan / ChangeQuantity (PATCH Success).
 */
export async function handleAzureWebhook(db: PrismaClient, client: AzureSaasClient, body: unknown) {
  const parsed = webhookBody.safeParse(body)
  if (!parsed.success)
    throw new AppError('validation_failed', 'Malformed webhook payload', {
      issues: parsed.error.issues.map((i) => i.path.join('.')),
    })
  const b = parsed.data
  const op = await client.getOperation(b.subscriptionId, b.id)
  if (op.action !== b.action)
    throw new AppError('bad_request', 'Webhook does not match the marketplace operation')
  const kind = ACTION_KIND[b.action]
  const planId = kind === 'change_plan' ? client.planFor(op.planId ?? b.planId ?? '') : undefined
  const result = await applySubscriptionEvent(db, {
    source: 'azure',
    eventId: b.id,
    kind,
    externalId: b.subscriptionId,
    ...(planId ? { planId } : {}),
    ...(kind === 'change_quantity' && (op.quantity ?? b.quantity)
      ? { quantity: (op.quantity ?? b.quantity)! }
      : {}),
  })
  if ((b.action === 'ChangePlan' || b.action === 'ChangeQuantity') && result.outcome === 'applied') {
    await client.patchOperation(b.subscriptionId, b.id, 'Success')
  }
  return result
}
