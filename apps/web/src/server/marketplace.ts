/**
 * Marketplace entry points (AWS, Azure, GCP, partners): thin handlers over @cms/marketplace. They are
 * not tenant routes — the caller is a marketplace or a buyer's browser — so they run on the worker
 * client (provisioning creates organizations) and authenticate the message itself (SNS signature,
 * Entra JWT, Google JWT, partner HMAC). A buyer who lands gets a signed claim link to the sign-up page
 * that makes them the owner of the new organization (`redeemClaim`).
 *
 * Settings come from @cms/core's config (CMS_MP_*, all optional): a marketplace whose settings are
 * missing answers 404, so an install that does not sell there exposes nothing.
 */
import { readFileSync } from 'node:fs'
import { randomUUID } from 'node:crypto'
import { MarketplaceEntitlementServiceClient } from '@aws-sdk/client-marketplace-entitlement-service'
import { MarketplaceMeteringClient } from '@aws-sdk/client-marketplace-metering'
import { AppError } from '@cms/core'
import {
  AzureSaasClient,
  GcpProcurementClient,
  azureWebhookVerifier,
  createFetch,
  fetchJson,
  fulfillAwsToken,
  fulfillAzureToken,
  fulfillGcpSignup,
  gcpPushVerifier,
  handleAwsSnsMessage,
  handleAzureWebhook,
  handleGcpEvent,
  handlePartnerRequest,
  signClaim,
  verifyClaim,
  type AwsMarketplaceClients,
  type AwsPlanMapping,
  type FetchLike,
} from '@cms/marketplace'
import type { JSONWebKeySet } from 'jose'
import { auth } from './auth'
import { errorResponse, json } from './http'
import { services } from './services'
import { assertSameOriginWrite, getSessionInfo } from './tenant-guard'

/** "a=b,c=d" → { a: 'b', c: 'd' } (plan maps, partner secrets). */
export function parsePairs(s: string | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const part of (s ?? '').split(',')) {
    const i = part.indexOf('=')
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim()
  }
  return out
}

const notEnabled = (which: string) =>
  new AppError('not_found', `${which} Marketplace is not enabled on this installation`)

interface Runtime {
  fetch: FetchLike
  aws?: AwsMarketplaceClients
  azure?: { client: AzureSaasClient; verify: ReturnType<typeof azureWebhookVerifier> }
  gcp?: {
    client: GcpProcurementClient
    defaultPlan: string
    /** Absent when the push subscription's audience / service account are not configured. */
    verifyPush?: ReturnType<typeof gcpPushVerifier>
  }
}

const g = globalThis as unknown as { __cmsMarketplace?: Runtime }

/** Built once per process from config (JWKS and x509 caches live in the clients). */
function runtime(): Runtime {
  if (g.__cmsMarketplace) return g.__cmsMarketplace
  const c = services().config
  const caPem = c.CMS_CLOUD_CA_FILE ? readFileSync(c.CMS_CLOUD_CA_FILE, 'utf8') : undefined
  const fetch = createFetch(caPem ? { caPem } : {})
  const rt: Runtime = { fetch }
  if (c.CMS_AWS_ACCESS_KEY_ID || c.CMS_AWS_ENDPOINT) {
    const common = {
      region: 'us-east-1',
      ...(c.CMS_AWS_ENDPOINT ? { endpoint: c.CMS_AWS_ENDPOINT } : {}),
      ...(c.CMS_AWS_ACCESS_KEY_ID && c.CMS_AWS_SECRET_ACCESS_KEY
        ? {
            credentials: {
              accessKeyId: c.CMS_AWS_ACCESS_KEY_ID,
              secretAccessKey: c.CMS_AWS_SECRET_ACCESS_KEY,
            },
          }
        : {}),
    }
    rt.aws = {
      metering: new MarketplaceMeteringClient(common),
      entitlement: new MarketplaceEntitlementServiceClient(common),
    }
  }
  if (c.CMS_MP_AZURE_TENANT_ID && c.CMS_MP_AZURE_CLIENT_ID && c.CMS_MP_AZURE_CLIENT_SECRET) {
    const authority = c.CMS_MP_AZURE_AUTHORITY.replace(/\/$/, '')
    const tid = c.CMS_MP_AZURE_TENANT_ID
    const client = new AzureSaasClient({
      apiBase: c.CMS_MP_AZURE_API_BASE.replace(/\/$/, ''),
      authority,
      tenantId: tid,
      clientId: c.CMS_MP_AZURE_CLIENT_ID,
      clientSecret: c.CMS_MP_AZURE_CLIENT_SECRET,
      fetch,
      planMap: parsePairs(c.CMS_MP_AZURE_PLAN_MAP),
    })
    const verify = azureWebhookVerifier({
      audience: c.CMS_MP_AZURE_CLIENT_ID,
      tenantId: tid,
      // v2 tokens come from the authority's issuer, v1 from sts.windows.net.
      issuers: [`${authority}/${tid}/v2.0`, `https://sts.windows.net/${tid}/`],
      jwksLoader: async () => {
        const oidc = await fetchJson<{ jwks_uri: string }>(
          fetch,
          `${authority}/${tid}/v2.0/.well-known/openid-configuration`,
        )
        return fetchJson<JSONWebKeySet>(fetch, oidc.jwks_uri)
      },
    })
    rt.azure = { client, verify }
  }
  if (c.CMS_MP_GCP_PROVIDER_ID && c.CMS_MP_GCP_AUDIENCE && c.CMS_MP_GCP_SERVICE_ACCOUNT) {
    const sa = JSON.parse(c.CMS_MP_GCP_SERVICE_ACCOUNT) as {
      client_email: string
      private_key: string
      private_key_id: string
    }
    rt.gcp = {
      defaultPlan: c.CMS_MP_GCP_DEFAULT_PLAN,
      client: new GcpProcurementClient({
        apiBase: c.CMS_MP_GCP_API_BASE.replace(/\/$/, ''),
        providerId: c.CMS_MP_GCP_PROVIDER_ID,
        audience: c.CMS_MP_GCP_AUDIENCE,
        ...(c.CMS_MP_GCP_CERTS_URL ? { certsUrl: c.CMS_MP_GCP_CERTS_URL } : {}),
        ...(c.CMS_MP_GCP_ISSUER ? { issuer: c.CMS_MP_GCP_ISSUER } : {}),
        serviceAccount: sa,
        fetch,
        planMap: parsePairs(c.CMS_MP_GCP_PLAN_MAP),
      }),
      ...(c.CMS_MP_GCP_PUSH_AUDIENCE && c.CMS_MP_GCP_PUSH_SERVICE_ACCOUNT
        ? {
            verifyPush: gcpPushVerifier({
              audience: c.CMS_MP_GCP_PUSH_AUDIENCE,
              serviceAccountEmail: c.CMS_MP_GCP_PUSH_SERVICE_ACCOUNT,
              fetch,
              ...(c.CMS_MP_GCP_OIDC_CERTS_URL ? { certsUrl: c.CMS_MP_GCP_OIDC_CERTS_URL } : {}),
            }),
          }
        : {}),
    }
  }
  g.__cmsMarketplace = rt
  return rt
}

/** Forget the runtime (tests change the configuration between files). */
export function resetMarketplaceRuntime(): void {
  g.__cmsMarketplace = undefined
}

function awsMapping(): AwsPlanMapping {
  const c = services().config
  return { dimensionToPlan: parsePairs(c.CMS_MP_AWS_PLAN_MAP), defaultPlan: c.CMS_MP_AWS_DEFAULT_PLAN }
}

/** Where the buyer goes next: sign-up with a claim that makes them owner of the new organization. */
export function claimRedirect(tenantId: string): Response {
  const c = services().config
  if (!c.AUTH_SECRET) throw new AppError('internal', 'AUTH_SECRET is required for marketplace sign-up')
  const url = new URL('/signup', c.PUBLIC_URL)
  url.searchParams.set('claim', signClaim(c.AUTH_SECRET, tenantId))
  return new Response(null, {
    status: 303,
    headers: { location: url.toString(), 'cache-control': 'no-store' },
  })
}

async function formField(req: Request, name: string): Promise<string> {
  const type = req.headers.get('content-type') ?? ''
  if (!type.includes('application/x-www-form-urlencoded') && !type.includes('multipart/form-data')) {
    throw new AppError('bad_request', 'Expected a form POST', { field: name })
  }
  // A truncated multipart body or a missing boundary makes formData() throw: the sender's fault, not ours.
  const form = await req.formData().catch(() => {
    throw new AppError('bad_request', 'Expected a form POST', { field: name })
  })
  const v = form.get(name)
  if (typeof v !== 'string' || !v)
    throw new AppError('bad_request', 'Missing marketplace token', { field: name })
  return v
}

function edge(fn: (req: Request) => Promise<Response>) {
  return async (req: Request): Promise<Response> => {
    try {
      return await fn(req)
    } catch (e) {
      const log = services().log
      // Verification failures keep their reason in details: log it, never send it.
      if (e instanceof AppError && e.httpStatus < 500) {
        log.warn(
          { code: e.code, details: e.details, path: new URL(req.url).pathname },
          'marketplace request refused',
        )
        return json({ error: { code: e.code, message: e.message, details: {} } }, e.httpStatus)
      }
      return errorResponse(e, log)
    }
  }
}

async function readBodyJson(req: Request): Promise<unknown> {
  try {
    return JSON.parse(await req.text()) as unknown
  } catch {
    throw new AppError('bad_request', 'Body must be JSON')
  }
}

// ------------------------------------------------------------------ AWS

export const awsFulfillment = edge(async (req) => {
  const aws =
    runtime().aws ??
    (() => {
      throw notEnabled('AWS')
    })()
  const token = await formField(req, 'x-amzn-marketplace-token')
  const r = await fulfillAwsToken(services().worker, aws, token, awsMapping())
  return claimRedirect(r.tenantId)
})

export const awsSns = edge(async (req) => {
  const rt = runtime()
  const aws =
    rt.aws ??
    (() => {
      throw notEnabled('AWS')
    })()
  const pattern = services().config.CMS_MP_SNS_CERT_HOST_PATTERN
  const r = await handleAwsSnsMessage(services().worker, await readBodyJson(req), {
    clients: aws,
    mapping: awsMapping(),
    ...(pattern ? { certHostPattern: new RegExp(pattern) } : {}),
    fetchCert: async (url) => {
      const res = await rt.fetch(url)
      if (res.status !== 200) throw new Error(`certificate fetch ${res.status}`)
      return res.text()
    },
    get: async (url) => {
      await rt.fetch(url)
    },
  })
  return json({ outcome: r.outcome })
})

// ------------------------------------------------------------------ Azure

export const azureLanding = edge(async (req) => {
  const az =
    runtime().azure ??
    (() => {
      throw notEnabled('Azure')
    })()
  const token = new URL(req.url).searchParams.get('token') ?? ''
  // Microsoft's tokens are short printable ASCII; anything else would only come back from the resolve
  // call as an HTTP error (or not fit in its header) and surface as our 502.
  if (!/^[\x21-\x7e]{1,8192}$/.test(token)) throw new AppError('bad_request', 'Invalid marketplace token')
  // URLSearchParams already decoded the query once; the library decodes again as Microsoft documents.
  const r = await fulfillAzureToken(services().worker, az.client, encodeURIComponent(token))
  return claimRedirect(r.tenantId)
})

export const azureWebhook = edge(async (req) => {
  const az =
    runtime().azure ??
    (() => {
      throw notEnabled('Azure')
    })()
  await az.verify(req.headers.get('authorization'))
  const r = await handleAzureWebhook(services().worker, az.client, await readBodyJson(req))
  return json({ outcome: r.outcome })
})

// ------------------------------------------------------------------ GCP

export const gcpSignup = edge(async (req) => {
  const gcp =
    runtime().gcp ??
    (() => {
      throw notEnabled('Google Cloud')
    })()
  const token = await formField(req, 'x-gcp-marketplace-token')
  const r = await fulfillGcpSignup(services().worker, gcp.client, token, gcp.defaultPlan)
  return claimRedirect(r.tenantId)
})

/** Pub/Sub push: any non-2xx makes Pub/Sub redeliver, which is what 'retry' (unknown account) needs. */
export const gcpEvents = edge(async (req) => {
  const gcp =
    runtime().gcp ??
    (() => {
      throw notEnabled('Google Cloud')
    })()
  // Unauthenticated pushes are refused, also when authentication is not configured (fail closed).
  // (The reason goes to the log only, like every refusal here.)
  if (!gcp.verifyPush)
    throw new AppError('unauthenticated', 'Invalid Pub/Sub push token', {
      reason:
        'push authentication is not configured: set CMS_MP_GCP_PUSH_AUDIENCE and CMS_MP_GCP_PUSH_SERVICE_ACCOUNT',
    })
  await gcp.verifyPush(req.headers.get('authorization'))
  const outcome = await handleGcpEvent(services().worker, gcp.client, await readBodyJson(req))
  return json({ outcome }, outcome === 'retry' ? 409 : 200)
})

// ------------------------------------------------------------------ partners

export const partnerProvisioning = edge(async (req) => {
  const secrets = parsePairs(services().config.CMS_MP_PARTNER_SECRETS)
  if (Object.keys(secrets).length === 0) throw notEnabled('Partner')
  const body = await req.text()
  const r = await handlePartnerRequest(services().worker, { headers: req.headers, body }, secrets)
  return json(r)
})

// ------------------------------------------------------------------ claim redemption

/**
 * The signed-in buyer redeems the claim from the sign-up link: they become the owner of the new
 * organization, which becomes their active one. Only an organization without members can be claimed,
 * so a leaked link cannot add a second owner later.
 */
export const redeemClaim = edge(async (req) => {
  const s = services()
  assertSameOriginWrite(req)
  const info = await getSessionInfo(req.headers)
  if (!info) throw new AppError('unauthenticated', 'Sign in first')
  const body = await readBodyJson(req)
  const claim = body && typeof body === 'object' ? (body as { claim?: unknown }).claim : undefined
  if (typeof claim !== 'string') throw new AppError('bad_request', 'Missing claim')
  const tenantId = verifyClaim(s.config.AUTH_SECRET ?? '', claim)
  const claimed = await s.worker.$transaction(async (tx) => {
    const members = await tx.member.findMany({
      where: { organizationId: tenantId },
      select: { userId: true },
    })
    if (members.some((m) => m.userId === info.user.id)) return true
    if (members.length > 0) return false
    await tx.member.create({
      data: { id: randomUUID(), organizationId: tenantId, userId: info.user.id, role: 'owner' },
    })
    await tx.auditLog.create({
      data: {
        tenantId,
        actorType: 'user',
        actorId: info.user.id,
        action: 'organization.claimed',
        targetType: 'organization',
        targetId: tenantId,
        data: {},
      },
    })
    return true
  })
  if (!claimed) throw new AppError('conflict', 'This organization has already been claimed')
  await auth().api.setActiveOrganization({ headers: req.headers, body: { organizationId: tenantId } })
  return json({ organizationId: tenantId })
})
