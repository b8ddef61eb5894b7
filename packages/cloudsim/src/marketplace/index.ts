/**
 * Marketplace simulation as a cloudsim extension: signed SNS notifications (AWS), the Azure SaaS
 * Fulfillment v2 API with its Entra token/JWKS endpoints, and the GCP Procurement API with Google's
 * x509 metadata — plus the control side that plays the buyer and the marketplace.
 *
 *   const mp = marketplaceExtension()       // startCloudSim creates one by default (sim.marketplace)
 *   const sim = await startCloudSim({ marketplace: mp })
 *   mp.aws.snsNotification({ action: 'unsubscribe-success', productCode, customerIdentifier })
 *
 * AWS ResolveCustomer / GetEntitlements / BatchMeterUsage stay in the AWS front end (aws/marketplace.ts);
 * this module only adds what that does not cover. HTTP control routes live under /_sim/marketplace/
 * on the control listener for other processes (demo).
 */
import { randomBytes, randomUUID } from 'node:crypto'
import type { Sim } from '../control/sim'
import type { SimControl } from '../control/control'
import { json, type Reply } from '../http'
import type { CloudSimExtension, ExtraRoute } from '../start'
import {
  SNS_CERT_PATH,
  SNS_CONFIRM_PATH,
  serveSnsCert,
  snsNotification,
  snsSubscriptionConfirmation,
  type SnsNotificationInput,
} from './aws-sns'
import { AzureSaasSim, type AzureAction, type AzurePublisher } from './azure-saas'
import {
  GCP_CERTS_PATH,
  GCP_OIDC_CERTS_PATH,
  GCP_PUSH_SERVICE_ACCOUNT,
  GcpProcurementSim,
  type EntitlementState,
} from './gcp-procurement'

export {
  AZURE_MARKETPLACE_APP_ID,
  type AzureOperation,
  type AzureSaasSubscription,
  type AzureAction,
  type AzurePublisher,
} from './azure-saas'
export { GCP_COMMERCE_ISSUER, type EntitlementState, type GcpEntitlement } from './gcp-procurement'
export type { SnsNotificationInput, SnsMessage } from './aws-sns'

export interface MarketplaceExtensionOptions {
  /** Our (the publisher's) Entra app registration; generated when omitted. */
  azurePublisher?: AzurePublisher
  /** Our GCP Marketplace provider id. */
  gcpProviderId?: string
}

interface Bound {
  sim: Sim
  control: SimControl
  origins: { aws: string; azure: string; gcp: string }
}

export class MarketplaceSim {
  readonly azure: AzureSaasSim
  readonly gcp: GcpProcurementSim
  /** SNS SubscribeURL tokens that were confirmed (GET SubscribeURL). */
  readonly confirmedSnsTokens: string[] = []
  private bound?: Bound

  constructor(opts: MarketplaceExtensionOptions = {}) {
    const publisher = opts.azurePublisher ?? {
      tenantId: randomUUID(),
      clientId: randomUUID(),
      clientSecret: randomBytes(24).toString('base64url'),
    }
    this.azure = new AzureSaasSim(
      publisher,
      () => this.nowSec(),
      () => this.origins().azure,
    )
    this.gcp = new GcpProcurementSim(
      opts.gcpProviderId ?? 'cms-sim-provider',
      () => this.runtime().sim,
      () => this.nowSec(),
    )
  }

  private runtime(): Bound {
    if (!this.bound) throw new Error('marketplace extension is not attached to a running cloudsim')
    return this.bound
  }
  private origins() {
    return this.runtime().origins
  }
  private nowSec(): number {
    return this.runtime().sim.world.nowSeconds()
  }

  /** AWS side: registration tokens (delegated to the AWS front end), entitlements, SNS messages. */
  get aws() {
    return {
      mintToken: (input: { productCode: string; awsAccountId?: string; customerIdentifier?: string }) =>
        this.runtime().control.mintMarketplaceToken(input),
      products: () => this.runtime().control.marketplace().products,
      /** Add a listing (e.g. a usage-priced one metering `monitored_resources`); returns its product code. */
      addProduct: (name: string, dimensions: string[]) => {
        const productCode = `cms${randomBytes(11).toString('hex')}`
        this.runtime().sim.marketplace.products.push({ productCode, name, dimensions })
        return productCode
      },
      /** Replace a customer's contract entitlements (dimension → integer), e.g. for an upgrade. */
      setEntitlements: (customerIdentifier: string, entitlements: Record<string, number>) => {
        const c = this.runtime().sim.marketplace.customers.find(
          (x) => x.customerIdentifier === customerIdentifier,
        )
        if (!c) throw new Error(`no marketplace customer ${customerIdentifier}`)
        c.entitlements = { ...entitlements }
      },
      /** An SNS notification signed with the simulator's SNS certificate (served over https). */
      snsNotification: (n: SnsNotificationInput) =>
        snsNotification(this.origins().azure, n, new Date(this.nowSec() * 1000)),
      snsSubscriptionConfirmation: (topicArn: string, token = randomBytes(16).toString('hex')) =>
        snsSubscriptionConfirmation(this.origins().azure, topicArn, token, new Date(this.nowSec() * 1000)),
      /** Regex source matching the SigningCertURL host (configure receivers with it). */
      certHostPattern: () => `^${new URL(this.origins().azure).hostname.replace(/\./g, '\\.')}$`,
    }
  }

  readonly extension: CloudSimExtension = ({ sim, control }) => {
    // Origins are known only after the listeners bind; the handlers read them per request.
    const origins = { aws: '', azure: '', gcp: '' }
    this.bound = { sim, control, origins }
    const remember = (cloud: keyof typeof origins, origin: string) => {
      origins[cloud] ||= origin
    }
    const azure: ExtraRoute[] = [
      {
        method: 'GET',
        pathPrefix: SNS_CERT_PATH,
        handler: async ({ origin }) => (remember('azure', origin), serveSnsCert()),
      },
      {
        method: 'GET',
        pathPrefix: SNS_CONFIRM_PATH,
        handler: async ({ url, origin }) => {
          remember('azure', origin)
          const token = url.searchParams.get('Token')
          if (token) this.confirmedSnsTokens.push(token)
          return {
            status: 200,
            headers: { 'content-type': 'text/xml' },
            body: '<ConfirmSubscriptionResponse/>',
          }
        },
      },
      ...(['GET', 'POST'] as const).map((method) => ({
        method,
        pathPrefix: '/_mp/entra/',
        handler: async ({ url, body, origin }: { url: URL; body: Buffer; origin: string }) => (
          remember('azure', origin),
          this.azure.entra(method, url, body)
        ),
      })),
      ...(['GET', 'POST', 'PATCH'] as const).map((method) => ({
        method,
        pathPrefix: '/api/saas/',
        handler: async ({
          req,
          url,
          body,
          origin,
        }: {
          req: { headers: Record<string, string | string[] | undefined> }
          url: URL
          body: Buffer
          origin: string
        }) => (remember('azure', origin), this.azure.api(method, url, req.headers, body)),
      })),
    ]
    const gcp: ExtraRoute[] = [
      {
        method: 'GET',
        pathPrefix: GCP_CERTS_PATH,
        handler: async ({ origin }) => (remember('gcp', origin), this.gcp.certs()),
      },
      {
        method: 'GET',
        pathPrefix: GCP_OIDC_CERTS_PATH,
        handler: async ({ origin }) => (remember('gcp', origin), this.gcp.oidcCerts()),
      },
      ...(['GET', 'POST'] as const).map((method) => ({
        method,
        pathPrefix: '/v1/providers/',
        handler: async ({
          req,
          url,
          body,
          origin,
        }: {
          req: { headers: Record<string, string | string[] | undefined> }
          url: URL
          body: Buffer
          origin: string
        }) => (remember('gcp', origin), this.gcp.api(method, url, req.headers, body)),
      })),
    ]
    const aws: ExtraRoute[] = [
      {
        method: 'POST',
        pathPrefix: '/_sim/marketplace/sns',
        handler: async ({ body, origin }) => (remember('aws', origin), this.controlRoute('sns', body)),
      },
      {
        method: 'POST',
        pathPrefix: '/_sim/marketplace/azure/',
        handler: async ({ url, body, origin }) => (
          remember('aws', origin),
          this.controlRoute(url.pathname.slice('/_sim/marketplace/'.length), body)
        ),
      },
      {
        method: 'POST',
        pathPrefix: '/_sim/marketplace/gcp/',
        handler: async ({ url, body, origin }) => (
          remember('aws', origin),
          this.controlRoute(url.pathname.slice('/_sim/marketplace/'.length), body)
        ),
      },
      {
        method: 'GET',
        pathPrefix: '/_sim/marketplace/config',
        handler: async () => this.controlRoute('config', Buffer.alloc(0)),
      },
    ]
    return { aws, azure, gcp }
  }

  /** Bind origins eagerly (the first request of a listener also does it). */
  attachOrigins(urls: { aws: string; azure: string; gcp: string }): this {
    Object.assign(this.runtime().origins, urls)
    return this
  }

  /** Settings a receiver (the web app) needs to talk to this simulation. */
  config() {
    const o = this.origins()
    return {
      snsCertHostPattern: this.aws.certHostPattern(),
      azure: {
        apiBase: `${o.azure}/api/saas`,
        authority: this.azure.authority(),
        ...this.azure.publisher,
        issuer: this.azure.issuer(),
      },
      gcp: {
        apiBase: `${o.gcp}/v1`,
        providerId: this.gcp.providerId,
        certsUrl: `${o.gcp}${GCP_CERTS_PATH}`,
        oidcCertsUrl: `${o.gcp}${GCP_OIDC_CERTS_PATH}`,
        pushServiceAccount: GCP_PUSH_SERVICE_ACCOUNT,
      },
    }
  }

  private async controlRoute(op: string, raw: Buffer): Promise<Reply> {
    let b: Record<string, unknown> = {}
    try {
      b = raw.length ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : {}
    } catch {
      return json(400, { error: 'body must be JSON' })
    }
    const s = (k: string) => (typeof b[k] === 'string' ? (b[k] as string) : undefined)
    try {
      switch (op) {
        case 'config':
          return json(200, this.config())
        case 'sns':
          return json(200, await this.aws.snsNotification(b as unknown as SnsNotificationInput))
        case 'azure/subscriptions':
          return json(
            201,
            this.azure.createSubscription({
              planId: s('planId') ?? 'team',
              ...(s('offerId') ? { offerId: s('offerId') } : {}),
              ...(typeof b.quantity === 'number' ? { quantity: b.quantity } : {}),
            }),
          )
        case 'azure/operations':
          return json(
            201,
            this.azure.createOperation(s('subscriptionId') ?? '', {
              action: (s('action') ?? 'Suspend') as AzureAction,
              ...(s('planId') ? { planId: s('planId') } : {}),
            }),
          )
        case 'azure/webhook-token':
          return json(200, { token: await this.azure.webhookToken() })
        case 'gcp/accounts':
          return json(201, { accountId: this.gcp.createAccount() })
        case 'gcp/entitlements':
          return json(201, {
            entitlementId: this.gcp.createEntitlement(s('accountId') ?? '', s('plan') ?? 'team'),
          })
        case 'gcp/entitlements/state':
          this.gcp.setState(
            s('entitlementId') ?? '',
            (s('state') ?? 'ENTITLEMENT_ACTIVE') as EntitlementState,
          )
          return json(200, {})
        case 'gcp/signup-token':
          return json(200, {
            token: await this.gcp.signupToken(s('accountId') ?? '', {
              audience: s('audience') ?? 'cms.example',
            }),
          })
        case 'gcp/events':
          return json(
            200,
            this.gcp.pubsubPush(s('eventType') ?? 'ENTITLEMENT_ACTIVE', {
              ...(s('entitlementId') ? { entitlementId: s('entitlementId') } : {}),
              ...(s('accountId') ? { accountId: s('accountId') } : {}),
            }),
          )
        default:
          return json(404, { error: `unknown marketplace control route ${op}` })
      }
    } catch (e) {
      return json(400, { error: e instanceof Error ? e.message : String(e) })
    }
  }
}

export function marketplaceExtension(opts: MarketplaceExtensionOptions = {}): MarketplaceSim {
  return new MarketplaceSim(opts)
}
