/**
 * Marketplace end to end (issue 9): the real route handlers against cloudsim's marketplaces (AWS
 * metering/entitlement + signed SNS, Azure SaaS v2 + Entra JWTs, GCP procurement + Google JWTs) and the
 * partner API. For each: a buyer token yields an organization on the right plan; plan change,
 * suspension and cancellation take effect; forged, expired or replayed messages are 4xx (or an
 * idempotent no-op) and change nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCloudSim, type CloudSim } from '@cms/cloudsim'
import { marketplaceExtension } from '@cms/cloudsim/marketplace/index'
import type { TestDatabase } from '@cms/db/testing'
import { signPartnerRequest, verifyClaim } from '@cms/marketplace'
import { PUBLIC_URL, setupWebTest, signIn } from '../../test/harness'
import * as seed from './demo-seed'
import type * as Marketplace from './marketplace'

const mp = marketplaceExtension()
let sim: CloudSim
let db: TestDatabase
let teardown: () => Promise<void>
let h: typeof Marketplace
const SECRET = 'test-secret-test-secret-test-secret-0123456789'
const PARTNER_SECRET = 'partner-secret-0123456789'

beforeAll(async () => {
  sim = await startCloudSim({ port: 0, seed: 11, scenario: 'minimal', marketplace: mp })

  const c = mp.config()
  const poller = sim.control.poller()
  const gcpSa = sim.control.accounts().find((a) => a.cloud === 'gcp')!.credentials as Record<string, unknown>
  Object.assign(process.env, {
    CMS_AWS_ENDPOINT: sim.urls.aws,
    CMS_AWS_ACCESS_KEY_ID: poller.accessKeyId,
    CMS_AWS_SECRET_ACCESS_KEY: poller.secretAccessKey,
    CMS_CLOUD_CA_FILE: sim.caCertFile,
    CMS_MP_SNS_CERT_HOST_PATTERN: c.snsCertHostPattern,
    CMS_MP_AWS_PLAN_MAP: 'seats=enterprise,metrics=team',
    CMS_MP_AWS_DEFAULT_PLAN: 'free',
    CMS_MP_AZURE_API_BASE: c.azure.apiBase,
    CMS_MP_AZURE_AUTHORITY: c.azure.authority,
    CMS_MP_AZURE_TENANT_ID: c.azure.tenantId,
    CMS_MP_AZURE_CLIENT_ID: c.azure.clientId,
    CMS_MP_AZURE_CLIENT_SECRET: c.azure.clientSecret,
    CMS_MP_AZURE_PLAN_MAP: 'team-monthly=team,enterprise-monthly=enterprise',
    CMS_MP_GCP_API_BASE: c.gcp.apiBase,
    CMS_MP_GCP_PROVIDER_ID: c.gcp.providerId,
    CMS_MP_GCP_AUDIENCE: 'cms.example',
    CMS_MP_GCP_CERTS_URL: c.gcp.certsUrl,
    CMS_MP_GCP_SERVICE_ACCOUNT: JSON.stringify(gcpSa),
    CMS_MP_GCP_PLAN_MAP: 'team=team,enterprise=enterprise',
    CMS_MP_GCP_DEFAULT_PLAN: 'free',
    CMS_MP_GCP_PUSH_AUDIENCE: 'https://cms.example/api/marketplace/gcp/events',
    CMS_MP_GCP_PUSH_SERVICE_ACCOUNT: c.gcp.pushServiceAccount,
    CMS_MP_GCP_OIDC_CERTS_URL: c.gcp.oidcCertsUrl,
    CMS_MP_PARTNER_SECRETS: `kt-cloud=${PARTNER_SECRET}`,
  })
  ;({ db, teardown } = await setupWebTest())
  h = await import('./marketplace')
}, 120_000)
afterAll(async () => {
  await teardown?.()
  await sim?.stop()
})

const form = (path: string, fields: Record<string, string>) =>
  new Request(`${PUBLIC_URL}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  })
const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  new Request(`${PUBLIC_URL}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
const tenantOf = (res: Response) => {
  expect(res.status).toBe(303)
  return verifyClaim(SECRET, new URL(res.headers.get('location')!).searchParams.get('claim')!)
}
const org = (id: string) =>
  db.worker.organization.findUniqueOrThrow({ where: { id }, select: { planId: true } })
const sub = (tenantId: string) =>
  db.worker.marketplaceSubscription.findFirstOrThrow({
    where: { tenantId },
    select: { status: true, planId: true },
  })
const orgCount = () => db.worker.organization.count()
/** A snapshot of everything a refused message must not change. */
const snapshot = async () =>
  JSON.stringify(
    await db.worker.marketplaceSubscription.findMany({
      orderBy: { id: 'asc' },
      select: { id: true, status: true, planId: true, quantity: true },
    }),
  ) + (await orgCount())

describe('AWS Marketplace', () => {
  let tenantId = ''
  let customer = { registrationToken: '', customerIdentifier: '', productCode: '', awsAccountId: '' }
  it('a registration token yields an organization on the entitled plan; the buyer claims it once', async () => {
    const team = mp.aws.products()[1]!
    customer = mp.aws.mintToken({ productCode: team.productCode, awsAccountId: '111122223333' })
    tenantId = tenantOf(
      await h.awsFulfillment(
        form('/api/marketplace/aws/fulfillment', { 'x-amzn-marketplace-token': customer.registrationToken }),
      ),
    )
    expect(await org(tenantId)).toEqual({ planId: 'team' })
    expect(await sub(tenantId)).toEqual({ status: 'active', planId: 'team' })
    // Replayed token (within its validity): same organization, nothing new.
    const n = await orgCount()
    expect(
      tenantOf(
        await h.awsFulfillment(
          form('/api/marketplace/aws/fulfillment', {
            'x-amzn-marketplace-token': customer.registrationToken,
          }),
        ),
      ),
    ).toBe(tenantId)
    expect(await orgCount()).toBe(n)
    // The buyer signs up and redeems the claim; a second user cannot claim the same organization.
    const claim = signClaimFor(tenantId)
    await seed.createUserWithPassword(db.worker, {
      email: 'buyer@aws.test',
      password: 'password-123456',
      name: 'Buyer',
    })
    const cookie = await signIn('buyer@aws.test', 'password-123456')
    const r = await h.redeemClaim(post('/api/internal/claim', { claim }, { cookie }))
    expect(r.status).toBe(200)
    expect(
      await db.worker.member.findFirst({ where: { organizationId: tenantId }, select: { role: true } }),
    ).toEqual({ role: 'owner' })
    await seed.createUserWithPassword(db.worker, {
      email: 'thief@aws.test',
      password: 'password-123456',
      name: 'T',
    })
    expect(
      (
        await h.redeemClaim(
          post(
            '/api/internal/claim',
            { claim },
            { cookie: await signIn('thief@aws.test', 'password-123456') },
          ),
        )
      ).status,
    ).toBe(409)
  })

  it('forged and superseded tokens are 4xx and create nothing', async () => {
    const before = await snapshot()
    expect(
      (
        await h.awsFulfillment(
          form('/api/marketplace/aws/fulfillment', { 'x-amzn-marketplace-token': 'mp-reg-forged' }),
        )
      ).status,
    ).toBe(400)
    expect((await h.awsFulfillment(form('/api/marketplace/aws/fulfillment', {}))).status).toBe(400)
    const old = customer.registrationToken
    customer = mp.aws.mintToken({
      productCode: customer.productCode,
      customerIdentifier: customer.customerIdentifier,
    })
    expect(
      (await h.awsFulfillment(form('/api/marketplace/aws/fulfillment', { 'x-amzn-marketplace-token': old })))
        .status,
    ).toBe(400)
    expect(await snapshot()).toBe(before)
  })

  it('SNS: subscription confirmation, an entitlement upgrade, replay, forgeries, then cancellation', async () => {
    const conf = await mp.aws.snsSubscriptionConfirmation(
      `arn:aws:sns:us-east-1:287250355862:aws-mp-subscription-notification-${customer.productCode}`,
      'tok-1',
    )
    expect(await (await h.awsSns(post('/api/marketplace/aws/sns', conf))).json()).toEqual({
      outcome: 'confirmed',
    })
    expect(mp.confirmedSnsTokens).toContain('tok-1')

    mp.aws.setEntitlements(customer.customerIdentifier, { hosts: 100, seats: 10 })
    const upgrade = await mp.aws.snsNotification({
      action: 'entitlement-updated',
      productCode: customer.productCode,
      customerIdentifier: customer.customerIdentifier,
    })
    expect((await h.awsSns(post('/api/marketplace/aws/sns', upgrade))).status).toBe(200)
    expect(await org(tenantId)).toEqual({ planId: 'enterprise' })

    const cancel = await mp.aws.snsNotification({
      action: 'unsubscribe-success',
      productCode: customer.productCode,
      customerIdentifier: customer.customerIdentifier,
      signatureVersion: '1',
    })
    const before = await snapshot()
    const forgeries = [
      { ...cancel, Message: cancel.Message!.replace('unsubscribe-success', 'subscribe-success') },
      { ...cancel, SigningCertURL: 'https://sns.evil.example/cert.pem' },
      { ...cancel, SigningCertURL: cancel.SigningCertURL!.replace('https:', 'http:') },
      await mp.aws.snsNotification({
        action: 'unsubscribe-success',
        productCode: customer.productCode,
        customerIdentifier: customer.customerIdentifier,
        timestamp: new Date(Date.now() - 2 * 3600_000),
      }),
      { ...cancel, Signature: undefined },
    ]
    for (const f of forgeries) {
      const r = await h.awsSns(post('/api/marketplace/aws/sns', f))
      expect(r.status).toBe(400)
      expect(await r.json()).toEqual({
        error: { code: 'bad_request', message: 'Invalid SNS message', details: {} },
      })
    }
    expect(await snapshot()).toBe(before)
    expect((await h.awsSns(post('/api/marketplace/aws/sns', cancel))).status).toBe(200)
    expect(await sub(tenantId)).toMatchObject({ status: 'cancelled' })
    // Replaying the delivered message is a no-op.
    expect(await (await h.awsSns(post('/api/marketplace/aws/sns', upgrade))).json()).toMatchObject({
      outcome: 'duplicate',
    })
    expect(await sub(tenantId)).toEqual({ status: 'cancelled', planId: 'enterprise' })
  })
})

function signClaimFor(tenantId: string): string {
  // Same function the fulfillment redirect uses.
  return new URL(h.claimRedirect(tenantId).headers.get('location')!).searchParams.get('claim')!
}

describe('Azure Marketplace', () => {
  let tenantId = ''
  let subscriptionId = ''
  const webhook = async (op: object, token?: string) =>
    h.azureWebhook(
      post('/api/marketplace/azure/webhook', op, {
        authorization: `Bearer ${token ?? (await mp.azure.webhookToken())}`,
      }),
    )

  it('the landing-page token yields an activated organization on the mapped plan', async () => {
    const s = mp.azure.createSubscription({ planId: 'team-monthly', name: 'Contoso' })
    subscriptionId = s.subscriptionId
    tenantId = tenantOf(
      await h.azureLanding(
        new Request(`${PUBLIC_URL}/api/marketplace/azure/landing?token=${encodeURIComponent(s.token)}`),
      ),
    )
    expect(await sub(tenantId)).toEqual({ status: 'active', planId: 'team' })
    expect(mp.azure.subscriptions.get(subscriptionId)?.saasSubscriptionStatus).toBe('Subscribed')
  })

  it('forged or expired landing tokens are 4xx', async () => {
    const before = await snapshot()
    const expired = mp.azure.createSubscription({ planId: 'team-monthly', ttlSeconds: -1 })
    for (const token of ['forged', expired.token, '']) {
      const r = await h.azureLanding(
        new Request(`${PUBLIC_URL}/api/marketplace/azure/landing?token=${encodeURIComponent(token)}`),
      )
      expect(r.status).toBeGreaterThanOrEqual(400)
      expect(r.status).toBeLessThan(500)
    }
    expect(await snapshot()).toBe(before)
  })

  it('webhooks: plan change (acknowledged), suspend, reinstate, unsubscribe; forged JWTs and replays change nothing', async () => {
    const change = mp.azure.createOperation(subscriptionId, {
      action: 'ChangePlan',
      planId: 'enterprise-monthly',
    })
    const before = await snapshot()
    for (const bad of [
      await mp.azure.webhookToken({ foreignKey: true }),
      await mp.azure.webhookToken({ audience: 'someone-else' }),
      await mp.azure.webhookToken({ tenantId: '00000000-0000-0000-0000-000000000000' }),
      await mp.azure.webhookToken({ azp: 'not-the-marketplace' }),
      await mp.azure.webhookToken({ expiresInSec: -600 }),
      'not-a-jwt',
    ])
      expect((await webhook(change, bad)).status).toBe(401)
    // A valid JWT with an operation Microsoft never started: read back → 404, nothing applied.
    expect((await webhook({ ...change, id: '11111111-1111-1111-1111-111111111111' })).status).toBe(404)
    expect(await snapshot()).toBe(before)

    expect((await webhook(change)).status).toBe(200)
    expect(await org(tenantId)).toEqual({ planId: 'enterprise' })
    expect(mp.azure.operations.get(change.id)?.status).toBe('Success')
    expect(await (await webhook(change)).json()).toEqual({ outcome: 'duplicate' })

    await webhook(mp.azure.createOperation(subscriptionId, { action: 'Suspend' }))
    expect(await sub(tenantId)).toMatchObject({ status: 'suspended' })
    await webhook(mp.azure.createOperation(subscriptionId, { action: 'Reinstate' }))
    expect(await sub(tenantId)).toMatchObject({ status: 'active' })
    await webhook(mp.azure.createOperation(subscriptionId, { action: 'Unsubscribe' }))
    expect(await sub(tenantId)).toEqual({ status: 'cancelled', planId: 'enterprise' })
  })
})

describe('Google Cloud Marketplace', () => {
  let tenantId = ''
  let accountId = ''
  let entitlementId = ''
  const PUSH_AUDIENCE = 'https://cms.example/api/marketplace/gcp/events'
  const push = async (body: unknown, token?: string) =>
    h.gcpEvents(
      post('/api/marketplace/gcp/events', body, {
        authorization: `Bearer ${token ?? (await mp.gcp.pushToken({ audience: PUSH_AUDIENCE }))}`,
      }),
    )

  it('a sign-up JWT yields an organization and approves the procurement account', async () => {
    accountId = mp.gcp.createAccount()
    const token = await mp.gcp.signupToken(accountId, { audience: 'cms.example' })
    tenantId = tenantOf(
      await h.gcpSignup(form('/api/marketplace/gcp/signup', { 'x-gcp-marketplace-token': token })),
    )
    expect(mp.gcp.accounts.get(accountId)?.state).toBe('ACCOUNT_ACTIVE')
    expect(await sub(tenantId)).toEqual({ status: 'pending', planId: 'free' })
  })

  it('a sign-up JWT is single use: the same token again is 400 (issue 18)', async () => {
    const acct = mp.gcp.createAccount()
    const token = await mp.gcp.signupToken(acct, { audience: 'cms.example' })
    const signup = () =>
      h.gcpSignup(form('/api/marketplace/gcp/signup', { 'x-gcp-marketplace-token': token }))
    expect((await signup()).status).toBe(303)
    expect((await signup()).status).toBe(400)
  })

  it('forged, expired and wrong-audience sign-up JWTs are 400 and create nothing', async () => {
    const before = await snapshot()
    const other = mp.gcp.createAccount()
    for (const token of [
      await mp.gcp.signupToken(other, { audience: 'cms.example', foreignKey: true }),
      await mp.gcp.signupToken(other, { audience: 'evil.example' }),
      await mp.gcp.signupToken(other, { audience: 'cms.example', expiresInSec: -600 }),
      await mp.gcp.signupToken(other, { audience: 'cms.example', issuer: 'https://evil.example' }),
      await mp.gcp.signupToken(other, { audience: 'cms.example', withoutSub: true }),
    ])
      expect(
        (await h.gcpSignup(form('/api/marketplace/gcp/signup', { 'x-gcp-marketplace-token': token }))).status,
      ).toBe(400)
    expect(await snapshot()).toBe(before)
    expect(mp.gcp.accounts.get(other)?.state).toBe('ACCOUNT_ACTIVATION_REQUESTED')
  })

  it('entitlement events: approve, activate on the plan, change plan, suspend, cancel; replays and unknown accounts', async () => {
    entitlementId = mp.gcp.createEntitlement(accountId, 'team')
    expect((await push(mp.gcp.pubsubPush('ENTITLEMENT_CREATION_REQUESTED', { entitlementId }))).status).toBe(
      200,
    )
    expect(mp.gcp.entitlements.get(entitlementId)?.state).toBe('ENTITLEMENT_ACTIVE')
    const active = mp.gcp.pubsubPush('ENTITLEMENT_ACTIVE', { entitlementId })
    expect((await push(active)).status).toBe(200)
    expect(await sub(tenantId)).toEqual({ status: 'active', planId: 'team' })

    mp.gcp.requestPlanChange(entitlementId, 'enterprise')
    await push(mp.gcp.pubsubPush('ENTITLEMENT_PLAN_CHANGE_REQUESTED', { entitlementId }))
    await push(mp.gcp.pubsubPush('ENTITLEMENT_PLAN_CHANGED', { entitlementId }))
    expect(await org(tenantId)).toEqual({ planId: 'enterprise' })

    mp.gcp.setState(entitlementId, 'ENTITLEMENT_SUSPENDED')
    await push(mp.gcp.pubsubPush('ENTITLEMENT_SUSPENDED', { entitlementId }))
    expect(await sub(tenantId)).toMatchObject({ status: 'suspended' })
    // A replayed (same eventId) message changes nothing, even though the entitlement moved on.
    mp.gcp.setState(entitlementId, 'ENTITLEMENT_ACTIVE')
    expect(await (await push(active)).json()).toEqual({ outcome: 'duplicate' })
    expect(await sub(tenantId)).toMatchObject({ status: 'suspended' })

    mp.gcp.setState(entitlementId, 'ENTITLEMENT_CANCELLED')
    await push(mp.gcp.pubsubPush('ENTITLEMENT_CANCELLED', { entitlementId }))
    expect(await sub(tenantId)).toEqual({ status: 'cancelled', planId: 'enterprise' })

    // Unknown account: not acknowledged (non-2xx) so Pub/Sub redelivers after sign-up.
    const stranger = mp.gcp.createEntitlement(mp.gcp.createAccount(), 'team')
    mp.gcp.setState(stranger, 'ENTITLEMENT_ACTIVE')
    expect((await push(mp.gcp.pubsubPush('ENTITLEMENT_ACTIVE', { entitlementId: stranger }))).status).toBe(
      409,
    )
    expect((await push({ message: { data: 'bm90IGpzb24=' } })).status).toBe(422)
  })

  it('a push without a valid OIDC token from our push service account is 401 and touches nothing', async () => {
    const pending = mp.gcp.createEntitlement(accountId, 'team')
    const body = mp.gcp.pubsubPush('ENTITLEMENT_CREATION_REQUESTED', { entitlementId: pending })
    const calls = mp.gcp.apiCalls
    for (const token of [
      'not-a-jwt',
      await mp.gcp.pushToken({ audience: PUSH_AUDIENCE, foreignKey: true }),
      await mp.gcp.pushToken({ audience: 'https://evil.example/hook' }),
      await mp.gcp.pushToken({ audience: PUSH_AUDIENCE, email: 'someone@evil.iam.gserviceaccount.com' }),
      await mp.gcp.pushToken({ audience: PUSH_AUDIENCE, emailVerified: false }),
      await mp.gcp.pushToken({ audience: PUSH_AUDIENCE, expiresInSec: -600 }),
      await mp.gcp.pushToken({ audience: PUSH_AUDIENCE, issuer: 'https://evil.example' }),
    ])
      expect((await push(body, token)).status).toBe(401)
    const bare = await h.gcpEvents(post('/api/marketplace/gcp/events', body))
    expect(bare.status).toBe(401)
    // No Procurement API call was made for any of them, and the entitlement still waits for approval.
    expect(mp.gcp.apiCalls).toBe(calls)
    expect(mp.gcp.entitlements.get(pending)?.state).toBe('ENTITLEMENT_ACTIVATION_REQUESTED')
    expect((await push(body)).status).toBe(200)
    expect(mp.gcp.entitlements.get(pending)?.state).toBe('ENTITLEMENT_ACTIVE')
  })

  it('without push settings every push is refused, even one with a good token (fail closed)', async () => {
    const { services } = await import('./services')
    const config = services().config
    const saved = config.CMS_MP_GCP_PUSH_AUDIENCE
    config.CMS_MP_GCP_PUSH_AUDIENCE = undefined
    h.resetMarketplaceRuntime()
    try {
      const body = mp.gcp.pubsubPush('ENTITLEMENT_ACTIVE', { entitlementId })
      const res = await push(body)
      expect(res.status).toBe(401)
      // The reason (which settings are missing) is logged, never sent.
      expect(await res.text()).not.toContain('CMS_MP_GCP')
    } finally {
      config.CMS_MP_GCP_PUSH_AUDIENCE = saved
      h.resetMarketplaceRuntime()
    }
  })
})

describe('partner provisioning API', () => {
  const send = (body: object, o: { id?: string; ts?: number; secret?: string } = {}) => {
    const raw = JSON.stringify(body)
    const id = o.id ?? crypto.randomUUID()
    const ts = o.ts ?? Math.floor(Date.now() / 1000)
    return h.partnerProvisioning(
      post('/api/marketplace/partner', raw, {
        'partner-id': 'kt-cloud',
        'request-id': id,
        'request-timestamp': String(ts),
        'request-signature': signPartnerRequest(o.secret ?? PARTNER_SECRET, id, ts, raw),
      }),
    )
  }
  it('creates, suspends and cancels; forged, stale and replayed requests change nothing', async () => {
    const created = (await (
      await send({ action: 'create', subscriptionId: 's-1', organizationName: '케이티 고객', planId: 'team' })
    ).json()) as { tenantId: string }
    expect(await sub(created.tenantId)).toEqual({ status: 'active', planId: 'team' })
    const before = await snapshot()
    expect((await send({ action: 'cancel', subscriptionId: 's-1' }, { secret: 'wrong' })).status).toBe(401)
    expect(
      (await send({ action: 'cancel', subscriptionId: 's-1' }, { ts: Math.floor(Date.now() / 1000) - 3600 }))
        .status,
    ).toBe(401)
    expect(await snapshot()).toBe(before)
    expect((await send({ action: 'suspend', subscriptionId: 's-1' }, { id: 'req-suspend' })).status).toBe(200)
    expect(await sub(created.tenantId)).toMatchObject({ status: 'suspended' })
    await send({ action: 'reinstate', subscriptionId: 's-1' })
    expect(
      await (await send({ action: 'suspend', subscriptionId: 's-1' }, { id: 'req-suspend' })).json(),
    ).toMatchObject({ outcome: 'duplicate' })
    expect(await sub(created.tenantId)).toMatchObject({ status: 'active' })
    await send({ action: 'cancel', subscriptionId: 's-1' })
    expect(await sub(created.tenantId)).toMatchObject({ status: 'cancelled' })
  })
})
