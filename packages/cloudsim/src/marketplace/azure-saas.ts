/**
 * Azure Marketplace SaaS Fulfillment API v2 (api-version 2018-08-31) and the Entra endpoints around it,
 * on the simulator's https (Azure) listener:
 *   /_mp/entra/{tid}/oauth2/v2.0/token                  client credentials → RS256 JWT (aud = marketplace app)
 *   /_mp/entra/{tid}/v2.0/.well-known/openid-configuration, /_mp/entra/{tid}/discovery/v2.0/keys (JWKS)
 *   /api/saas/subscriptions/resolve | /{id} | /{id}/activate | /{id}/operations/{opId} (GET, PATCH)
 * The control side creates subscriptions (→ landing-page token, valid 24 h of world time), operations
 * (→ the webhook body Microsoft would POST) and webhook JWTs signed by the same Entra key.
 */
import { randomUUID } from 'node:crypto'
import { SignJWT, exportJWK, jwtVerify } from 'jose'
import { json, type Reply } from '../http'
import { signingKey } from './keys'

export const AZURE_MARKETPLACE_APP_ID = '20e940b3-4c77-4b0b-9a53-9e16a1b010a7'
const API_VERSION = '2018-08-31'
const LANDING_TOKEN_TTL_SEC = 24 * 3600

export type AzureSaasStatus = 'PendingFulfillmentStart' | 'Subscribed' | 'Suspended' | 'Unsubscribed'
export type AzureAction = 'ChangePlan' | 'ChangeQuantity' | 'Renew' | 'Suspend' | 'Unsubscribe' | 'Reinstate'

export interface AzureSaasSubscription {
  id: string
  name: string
  offerId: string
  planId: string
  quantity: number | null
  saasSubscriptionStatus: AzureSaasStatus
  beneficiary: { emailId: string; objectId: string; tenantId: string }
}

export interface AzureOperation {
  id: string
  activityId: string
  publisherId: string
  offerId: string
  planId: string
  quantity: number | null
  subscriptionId: string
  timeStamp: string
  action: AzureAction
  status: 'InProgress' | 'Success' | 'Failure' | 'NotStarted'
  operationRequestSource: 'Azure' | 'Partner'
}

export interface AzurePublisher {
  tenantId: string
  clientId: string
  clientSecret: string
}

const ACTION_STATUS: Partial<Record<AzureAction, AzureSaasStatus>> = {
  Suspend: 'Suspended',
  Unsubscribe: 'Unsubscribed',
  Reinstate: 'Subscribed',
  Renew: 'Subscribed',
}

export class AzureSaasSim {
  readonly subscriptions = new Map<string, AzureSaasSubscription>()
  readonly operations = new Map<string, AzureOperation>()
  private readonly landingTokens = new Map<string, { subscriptionId: string; expiresAtSec: number }>()

  constructor(
    readonly publisher: AzurePublisher,
    private readonly nowSec: () => number,
    private readonly origin: () => string,
  ) {}

  authority(): string {
    return `${this.origin()}/_mp/entra`
  }
  issuer(): string {
    return `${this.authority()}/${this.publisher.tenantId}/v2.0`
  }

  /** A buyer purchases the offer: the subscription is pending, the landing page gets a token. */
  createSubscription(input: {
    offerId?: string
    planId: string
    quantity?: number
    name?: string
    ttlSeconds?: number
  }) {
    const id = randomUUID()
    this.subscriptions.set(id, {
      id,
      name: input.name ?? `Contoso ${id.slice(0, 4)}`,
      offerId: input.offerId ?? 'cms-offer',
      planId: input.planId,
      quantity: input.quantity ?? null,
      saasSubscriptionStatus: 'PendingFulfillmentStart',
      beneficiary: { emailId: 'buyer@contoso.example', objectId: randomUUID(), tenantId: randomUUID() },
    })
    const token = Buffer.from(`${randomUUID()}:${randomUUID()}`).toString('base64')
    this.landingTokens.set(token, {
      subscriptionId: id,
      expiresAtSec: this.nowSec() + (input.ttlSeconds ?? LANDING_TOKEN_TTL_SEC),
    })
    return { subscriptionId: id, token }
  }

  /** Microsoft starts an operation (plan change, suspend…); returns the body its webhook POSTs. */
  createOperation(
    subscriptionId: string,
    input: { action: AzureAction; planId?: string; quantity?: number },
  ): AzureOperation {
    const sub = this.subscriptions.get(subscriptionId)
    if (!sub) throw new Error(`no Azure SaaS subscription ${subscriptionId}`)
    const op: AzureOperation = {
      id: randomUUID(),
      activityId: randomUUID(),
      publisherId: 'cms-publisher',
      offerId: sub.offerId,
      planId: input.planId ?? sub.planId,
      quantity: input.quantity ?? sub.quantity,
      subscriptionId,
      timeStamp: new Date(this.nowSec() * 1000).toISOString(),
      action: input.action,
      // ChangePlan/ChangeQuantity wait for the publisher's PATCH; the others already happened.
      status: input.action === 'ChangePlan' || input.action === 'ChangeQuantity' ? 'InProgress' : 'Success',
      operationRequestSource: 'Azure',
    }
    this.operations.set(op.id, op)
    const to = ACTION_STATUS[input.action]
    if (to) sub.saasSubscriptionStatus = to
    return op
  }

  /** The webhook JWT Microsoft sends (Entra v2 token for our app). Overrides forge bad ones. */
  async webhookToken(
    o: {
      audience?: string
      tenantId?: string
      azp?: string
      expiresInSec?: number
      issuer?: string
      foreignKey?: boolean
    } = {},
  ): Promise<string> {
    const key = await signingKey(o.foreignKey ? 'entra-foreign' : 'entra')
    const now = this.nowSec()
    return new SignJWT({
      tid: o.tenantId ?? this.publisher.tenantId,
      azp: o.azp ?? AZURE_MARKETPLACE_APP_ID,
      ver: '2.0',
    })
      .setProtectedHeader({ alg: 'RS256', kid: (await signingKey('entra')).kid, typ: 'JWT' })
      .setIssuer(o.issuer ?? this.issuer())
      .setAudience(o.audience ?? this.publisher.clientId)
      .setSubject(AZURE_MARKETPLACE_APP_ID)
      .setIssuedAt(now - 5)
      .setNotBefore(now - 5)
      .setExpirationTime(now + (o.expiresInSec ?? 3600))
      .sign(key.privateKey)
  }

  private async accessToken(): Promise<string> {
    const key = await signingKey('entra')
    const now = this.nowSec()
    return new SignJWT({
      tid: this.publisher.tenantId,
      appid: this.publisher.clientId,
      azp: this.publisher.clientId,
    })
      .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
      .setIssuer(this.issuer())
      .setAudience(AZURE_MARKETPLACE_APP_ID)
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .sign(key.privateKey)
  }

  async entra(method: string, url: URL, body: Buffer): Promise<Reply> {
    const m = url.pathname.match(/^\/_mp\/entra\/([^/]+)\/(.+)$/)
    if (!m || m[1] !== this.publisher.tenantId)
      return json(400, { error: 'invalid_tenant', error_description: 'AADSTS90002: Tenant not found.' })
    const rest = m[2]
    if (method === 'GET' && rest === 'v2.0/.well-known/openid-configuration') {
      return json(200, {
        issuer: this.issuer(),
        jwks_uri: `${this.authority()}/${this.publisher.tenantId}/discovery/v2.0/keys`,
        token_endpoint: `${this.authority()}/${this.publisher.tenantId}/oauth2/v2.0/token`,
        id_token_signing_alg_values_supported: ['RS256'],
      })
    }
    if (method === 'GET' && rest === 'discovery/v2.0/keys') {
      const key = await signingKey('entra')
      return json(200, {
        keys: [{ ...(await exportJWK(key.publicKey)), kid: key.kid, use: 'sig', alg: 'RS256' }],
      })
    }
    if (method === 'POST' && rest === 'oauth2/v2.0/token') {
      const form = new URLSearchParams(body.toString('utf8'))
      if (form.get('grant_type') !== 'client_credentials')
        return json(400, { error: 'unsupported_grant_type' })
      if (form.get('client_id') !== this.publisher.clientId)
        return json(400, {
          error: 'unauthorized_client',
          error_description: 'AADSTS700016: Application not found.',
        })
      if (form.get('client_secret') !== this.publisher.clientSecret)
        return json(401, {
          error: 'invalid_client',
          error_description: 'AADSTS7000215: Invalid client secret provided.',
        })
      if (form.get('scope') !== `${AZURE_MARKETPLACE_APP_ID}/.default`)
        return json(400, { error: 'invalid_scope' })
      return json(200, { token_type: 'Bearer', expires_in: 3599, access_token: await this.accessToken() })
    }
    return json(404, { error: 'not_found' })
  }

  private async authorized(authorization: string | undefined): Promise<boolean> {
    const token = authorization?.match(/^Bearer (.+)$/)?.[1]
    if (!token) return false
    try {
      const key = await signingKey('entra')
      await jwtVerify(token, key.publicKey, {
        audience: AZURE_MARKETPLACE_APP_ID,
        issuer: this.issuer(),
        currentDate: new Date(this.nowSec() * 1000),
      })
      return true
    } catch {
      return false
    }
  }

  async api(
    method: string,
    url: URL,
    headers: Record<string, string | string[] | undefined>,
    body: Buffer,
  ): Promise<Reply> {
    if (url.searchParams.get('api-version') !== API_VERSION)
      return json(400, { error: { code: 'BadRequest', message: 'api-version is missing or not supported' } })
    if (
      !(await this.authorized(typeof headers.authorization === 'string' ? headers.authorization : undefined))
    ) {
      return json(401, {
        error: { code: 'Unauthorized', message: 'The access token is missing, invalid or expired.' },
      })
    }
    const path = url.pathname.replace(/^\/api\/saas/, '')
    if (method === 'POST' && path === '/subscriptions/resolve') {
      const raw = headers['x-ms-marketplace-token']
      const t = typeof raw === 'string' ? this.landingTokens.get(raw) : undefined
      if (!t || t.expiresAtSec < this.nowSec())
        return json(400, {
          error: { code: 'BadArgument', message: 'The marketplace token is invalid or expired.' },
        })
      const sub = this.subscriptions.get(t.subscriptionId)!
      return json(200, {
        id: sub.id,
        subscriptionName: sub.name,
        offerId: sub.offerId,
        planId: sub.planId,
        quantity: sub.quantity,
        subscription: this.view(sub),
      })
    }
    const m = path.match(/^\/subscriptions\/([^/]+)(\/activate|\/operations\/([^/]+))?$/)
    const sub = m ? this.subscriptions.get(decodeURIComponent(m[1]!)) : undefined
    if (!m || !sub) return json(404, { error: { code: 'EntityNotFound', message: 'Subscription not found' } })
    if (method === 'GET' && !m[2]) return json(200, this.view(sub))
    if (method === 'POST' && m[2] === '/activate') {
      const b = parseJson(body)
      if (b.planId !== sub.planId)
        return json(400, {
          error: { code: 'BadArgument', message: 'planId does not match the subscription' },
        })
      if (sub.saasSubscriptionStatus === 'PendingFulfillmentStart') sub.saasSubscriptionStatus = 'Subscribed'
      return { status: 200, body: '' }
    }
    const op = m[3] ? this.operations.get(decodeURIComponent(m[3])) : undefined
    if (!op || op.subscriptionId !== sub.id)
      return json(404, { error: { code: 'EntityNotFound', message: 'Operation not found' } })
    if (method === 'GET') return json(200, op)
    if (method === 'PATCH') {
      const status = parseJson(body).status
      if (status !== 'Success' && status !== 'Failure')
        return json(400, { error: { code: 'BadArgument', message: 'status must be Success or Failure' } })
      if (op.status !== 'InProgress')
        return json(409, { error: { code: 'Conflict', message: 'Operation already completed' } })
      op.status = status
      if (status === 'Success') {
        if (op.action === 'ChangePlan') sub.planId = op.planId
        if (op.action === 'ChangeQuantity') sub.quantity = op.quantity
      }
      return { status: 200, body: '' }
    }
    return json(405, { error: { code: 'MethodNotAllowed', message: method } })
  }

  private view(sub: AzureSaasSubscription) {
    return {
      id: sub.id,
      name: sub.name,
      offerId: sub.offerId,
      planId: sub.planId,
      quantity: sub.quantity,
      saasSubscriptionStatus: sub.saasSubscriptionStatus,
      beneficiary: sub.beneficiary,
      purchaser: sub.beneficiary,
      isTest: false,
      isFreeTrial: false,
      term: { termUnit: 'P1M' },
    }
  }
}

function parseJson(body: Buffer): Record<string, unknown> {
  try {
    const v = JSON.parse(body.toString('utf8')) as unknown
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : {}
  } catch {
    return {}
  }
}
