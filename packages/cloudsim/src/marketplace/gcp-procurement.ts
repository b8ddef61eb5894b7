/**
 * Google Cloud Marketplace for SaaS on the simulator's GCP (http) listener:
 *   GET  /_mp/gcp/x509/cloud-commerce-partner@system.gserviceaccount.com   {kid: certificate PEM}
 *   /v1/providers/{p}/accounts/{a}[:approve], /v1/providers/{p}/entitlements/{e}[:approve|:approvePlanChange]
 * Calls are authenticated with a self-signed service-account JWT of a simulated GCP account (as the
 * rest of the GCP front end). The control side creates procurement accounts and entitlements, moves
 * them between states, mints sign-up JWTs (RS256 by kid, iss = Google's x509 URL) and Pub/Sub pushes.
 */
import { randomUUID } from 'node:crypto'
import { SignJWT, decodeProtectedHeader, importSPKI, jwtVerify } from 'jose'
import type { Sim } from '../control/sim'
import { json, type Reply } from '../http'
import { signingKey } from './keys'

export const GCP_COMMERCE_ISSUER =
  'https://www.googleapis.com/robot/v1/metadata/x509/cloud-commerce-partner@system.gserviceaccount.com'
export const GCP_CERTS_PATH = '/_mp/gcp/x509/cloud-commerce-partner@system.gserviceaccount.com'
/** Google's OIDC keys (JWKS), which sign authenticated Pub/Sub pushes. */
export const GCP_OIDC_CERTS_PATH = '/_mp/gcp/oauth2/v3/certs'
/** The service account the simulated push subscription authenticates as. */
export const GCP_PUSH_SERVICE_ACCOUNT = 'marketplace-push@cms-sim.iam.gserviceaccount.com'

export type EntitlementState =
  | 'ENTITLEMENT_ACTIVATION_REQUESTED'
  | 'ENTITLEMENT_ACTIVE'
  | 'ENTITLEMENT_PENDING_CANCELLATION'
  | 'ENTITLEMENT_CANCELLED'
  | 'ENTITLEMENT_PENDING_PLAN_CHANGE_APPROVAL'
  | 'ENTITLEMENT_PENDING_PLAN_CHANGE'
  | 'ENTITLEMENT_SUSPENDED'

export interface GcpProcurementAccount {
  id: string
  state: 'ACCOUNT_ACTIVATION_REQUESTED' | 'ACCOUNT_ACTIVE'
  approvals: Array<{ name: string; state: string }>
}

export interface GcpEntitlement {
  id: string
  account: string
  product: string
  plan: string
  newPendingPlan?: string
  state: EntitlementState
  updateTime: string
}

export class GcpProcurementSim {
  readonly accounts = new Map<string, GcpProcurementAccount>()
  readonly entitlements = new Map<string, GcpEntitlement>()

  constructor(
    readonly providerId: string,
    private readonly sim: () => Sim,
    private readonly nowSec: () => number,
  ) {}

  createAccount(): string {
    const id = randomUUID()
    this.accounts.set(id, {
      id,
      state: 'ACCOUNT_ACTIVATION_REQUESTED',
      approvals: [{ name: 'signup', state: 'PENDING' }],
    })
    return id
  }

  createEntitlement(accountId: string, plan: string, product = 'cms.endpoints.cms-saas.cloud.goog'): string {
    if (!this.accounts.has(accountId)) throw new Error(`no procurement account ${accountId}`)
    const id = randomUUID()
    this.entitlements.set(id, {
      id,
      account: `providers/${this.providerId}/accounts/${accountId}`,
      product,
      plan,
      state: 'ENTITLEMENT_ACTIVATION_REQUESTED',
      updateTime: this.iso(),
    })
    return id
  }

  /** The buyer asks for another plan: the entitlement waits for the provider's approvePlanChange. */
  requestPlanChange(entitlementId: string, newPlan: string): void {
    const e = this.mustGet(entitlementId)
    e.newPendingPlan = newPlan
    e.state = 'ENTITLEMENT_PENDING_PLAN_CHANGE_APPROVAL'
    e.updateTime = this.iso()
  }

  setState(entitlementId: string, state: EntitlementState): void {
    const e = this.mustGet(entitlementId)
    e.state = state
    e.updateTime = this.iso()
  }

  /** A Pub/Sub push request body (what Google POSTs to the push endpoint). */
  pubsubPush(
    eventType: string,
    ref: { entitlementId?: string; accountId?: string },
    eventId: string = randomUUID(),
  ) {
    const event = {
      eventId,
      eventType,
      providerId: this.providerId,
      ...(ref.entitlementId ? { entitlement: { id: ref.entitlementId, updateTime: this.iso() } } : {}),
      ...(ref.accountId ? { account: { id: ref.accountId, updateTime: this.iso() } } : {}),
    }
    return {
      message: {
        data: Buffer.from(JSON.stringify(event)).toString('base64'),
        messageId: randomUUID(),
        publishTime: this.iso(),
      },
      subscription: `projects/cms-sim/subscriptions/${this.providerId}`,
    }
  }

  /** The sign-up JWT the buyer's browser POSTs as `x-gcp-marketplace-token`. Overrides forge bad ones. */
  async signupToken(
    accountId: string,
    o: {
      audience: string
      expiresInSec?: number
      issuer?: string
      foreignKey?: boolean
      withoutSub?: boolean
    },
  ): Promise<string> {
    const key = await signingKey(o.foreignKey ? 'gcp-commerce-foreign' : 'gcp-commerce')
    const now = this.nowSec()
    const jwt = new SignJWT({ google: { roles: ['account_admin'], user_identity: randomUUID() } })
      .setProtectedHeader({ alg: 'RS256', kid: (await signingKey('gcp-commerce')).kid, typ: 'JWT' })
      .setIssuer(o.issuer ?? GCP_COMMERCE_ISSUER)
      .setAudience(o.audience)
      .setIssuedAt(now - 5)
      .setExpirationTime(now + (o.expiresInSec ?? 300))
    if (!o.withoutSub) jwt.setSubject(accountId)
    return jwt.sign(key.privateKey)
  }

  /**
   * The OIDC token an authenticated push subscription sends (`Authorization: Bearer …`). Overrides
   * forge bad ones.
   */
  async pushToken(o: {
    audience: string
    email?: string
    emailVerified?: boolean
    expiresInSec?: number
    issuer?: string
    foreignKey?: boolean
  }): Promise<string> {
    const key = await signingKey(o.foreignKey ? 'google-oidc-foreign' : 'google-oidc')
    const now = this.nowSec()
    return new SignJWT({
      email: o.email ?? GCP_PUSH_SERVICE_ACCOUNT,
      email_verified: o.emailVerified ?? true,
    })
      .setProtectedHeader({ alg: 'RS256', kid: (await signingKey('google-oidc')).kid, typ: 'JWT' })
      .setIssuer(o.issuer ?? 'https://accounts.google.com')
      .setAudience(o.audience)
      .setSubject('112233445566778899000')
      .setIssuedAt(now - 5)
      .setExpirationTime(now + (o.expiresInSec ?? 3600))
      .sign(key.privateKey)
  }

  async oidcCerts(): Promise<Reply> {
    const key = await signingKey('google-oidc')
    const jwk = key.publicKey.export({ format: 'jwk' })
    return json(
      200,
      { keys: [{ ...jwk, kid: key.kid, alg: 'RS256', use: 'sig' }] },
      { 'cache-control': 'public, max-age=3600' },
    )
  }

  async certs(): Promise<Reply> {
    const key = await signingKey('gcp-commerce')
    return json(200, { [key.kid]: key.certPem }, { 'cache-control': 'public, max-age=3600' })
  }

  private async authenticate(authorization: string | undefined): Promise<boolean> {
    const token = authorization?.match(/^Bearer (.+)$/)?.[1]
    if (!token) return false
    try {
      const kid = decodeProtectedHeader(token).kid
      const sa = kid ? this.sim().world.gcpServiceAccounts.get(kid) : undefined
      if (!sa || sa.revoked) return false
      await jwtVerify(token, await importSPKI(sa.publicKeyPem, 'RS256'), {
        issuer: sa.clientEmail,
        currentDate: new Date(this.nowSec() * 1000),
      })
      return true
    } catch {
      return false
    }
  }

  /** Procurement API requests received (tests assert that a refused push cost none). */
  apiCalls = 0

  async api(
    method: string,
    url: URL,
    headers: Record<string, string | string[] | undefined>,
    body: Buffer,
  ): Promise<Reply> {
    this.apiCalls++
    const auth = typeof headers.authorization === 'string' ? headers.authorization : undefined
    if (!(await this.authenticate(auth)))
      return gcpError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.')
    const m = url.pathname.match(
      /^\/v1\/providers\/([^/]+)\/(accounts|entitlements)\/([^/:]+)(?::(approve|approvePlanChange|reject))?$/,
    )
    if (!m) return gcpError(404, 'NOT_FOUND', 'Unknown method')
    if (m[1] !== this.providerId) return gcpError(403, 'PERMISSION_DENIED', `Not the provider ${m[1]}`)
    const [, , kind, rawId, verb] = m
    const id = decodeURIComponent(rawId!)
    if (kind === 'accounts') {
      const a = this.accounts.get(id)
      if (!a) return gcpError(404, 'NOT_FOUND', `Account ${id} not found`)
      if (method === 'GET' && !verb) return json(200, this.accountView(a))
      if (method === 'POST' && verb === 'approve') {
        const name = (parseJson(body).approvalName as string | undefined) ?? 'signup'
        a.approvals = a.approvals.map((x) => (x.name === name ? { ...x, state: 'APPROVED' } : x))
        a.state = 'ACCOUNT_ACTIVE'
        return json(200, {})
      }
      return gcpError(400, 'INVALID_ARGUMENT', 'Unsupported account method')
    }
    const e = this.entitlements.get(id)
    if (!e) return gcpError(404, 'NOT_FOUND', `Entitlement ${id} not found`)
    if (method === 'GET' && !verb) return json(200, this.entitlementView(e))
    if (method === 'POST' && verb === 'approve') {
      if (e.state !== 'ENTITLEMENT_ACTIVATION_REQUESTED')
        return gcpError(400, 'FAILED_PRECONDITION', `Entitlement is ${e.state}`)
      e.state = 'ENTITLEMENT_ACTIVE'
      e.updateTime = this.iso()
      return json(200, {})
    }
    if (method === 'POST' && verb === 'approvePlanChange') {
      const pending = parseJson(body).pendingPlanName
      if (e.state !== 'ENTITLEMENT_PENDING_PLAN_CHANGE_APPROVAL' || pending !== e.newPendingPlan)
        return gcpError(400, 'FAILED_PRECONDITION', 'No such pending plan change')
      e.plan = e.newPendingPlan!
      delete e.newPendingPlan
      e.state = 'ENTITLEMENT_ACTIVE'
      e.updateTime = this.iso()
      return json(200, {})
    }
    return gcpError(400, 'INVALID_ARGUMENT', 'Unsupported entitlement method')
  }

  private accountView(a: GcpProcurementAccount) {
    return {
      name: `providers/${this.providerId}/accounts/${a.id}`,
      provider: this.providerId,
      state: a.state,
      approvals: a.approvals,
      createTime: this.iso(),
      updateTime: this.iso(),
    }
  }
  private entitlementView(e: GcpEntitlement) {
    return {
      name: `providers/${this.providerId}/entitlements/${e.id}`,
      account: e.account,
      provider: this.providerId,
      product: e.product,
      plan: e.plan,
      ...(e.newPendingPlan ? { newPendingPlan: e.newPendingPlan } : {}),
      state: e.state,
      updateTime: e.updateTime,
    }
  }
  private mustGet(id: string): GcpEntitlement {
    const e = this.entitlements.get(id)
    if (!e) throw new Error(`no entitlement ${id}`)
    return e
  }
  private iso(): string {
    return new Date(this.nowSec() * 1000).toISOString()
  }
}

function gcpError(code: number, status: string, message: string): Reply {
  return json(code, { error: { code, message, status } })
}

function parseJson(body: Buffer): Record<string, unknown> {
  try {
    const v = JSON.parse(body.toString('utf8')) as unknown
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : {}
  } catch {
    return {}
  }
}
