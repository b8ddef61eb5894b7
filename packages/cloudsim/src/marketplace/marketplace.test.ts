import { X509Certificate, createVerify } from 'node:crypto'
import { Agent } from 'undici'
import { SignJWT, createLocalJWKSet, importPKCS8, importX509, jwtVerify } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCloudSim, type CloudSim } from '../start'
import { AZURE_MARKETPLACE_APP_ID, GCP_COMMERCE_ISSUER, marketplaceExtension } from './index'

const mp = marketplaceExtension()
let sim: CloudSim
let tls: Agent
const get = (url: string, init: RequestInit = {}) => fetch(url, { ...init, dispatcher: tls } as RequestInit)

beforeAll(async () => {
  sim = await startCloudSim({ port: 0, seed: 7, scenario: 'minimal', marketplace: mp })

  tls = new Agent({ connect: { ca: sim.caCertPem } })
})
afterAll(async () => {
  await tls.close()
  await sim.stop()
})

describe('cloudsim marketplace extension', () => {
  it('signs SNS notifications (v1 and v2) with a certificate served over https', async () => {
    for (const v of ['1', '2'] as const) {
      const m = await mp.aws.snsNotification({
        action: 'unsubscribe-success',
        productCode: 'p1',
        customerIdentifier: 'c1',
        signatureVersion: v,
      })
      expect(new URL(m.SigningCertURL!).hostname).toMatch(new RegExp(mp.aws.certHostPattern()))
      const pem = await (await get(m.SigningCertURL!)).text()
      const ver = createVerify(v === '1' ? 'RSA-SHA1' : 'RSA-SHA256')
      ver.update(
        ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']
          .map((k) => (m[k] === undefined ? '' : `${k}\n${m[k]}\n`))
          .join(''),
      )
      expect(ver.verify(new X509Certificate(pem).publicKey, m.Signature!, 'base64')).toBe(true)
    }
  })

  it('serves the Azure SaaS fulfillment API behind Entra client credentials', async () => {
    const c = mp.config().azure
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: c.clientId,
      client_secret: c.clientSecret,
      scope: `${AZURE_MARKETPLACE_APP_ID}/.default`,
    })
    const tok = (await (
      await get(`${c.authority}/${c.tenantId}/oauth2/v2.0/token`, { method: 'POST', body: form })
    ).json()) as { access_token: string }
    const h = { authorization: `Bearer ${tok.access_token}`, 'content-type': 'application/json' }
    const { subscriptionId, token } = mp.azure.createSubscription({ planId: 'team-monthly' })
    const unauth = await get(`${c.apiBase}/subscriptions/resolve?api-version=2018-08-31`, {
      method: 'POST',
      headers: { 'x-ms-marketplace-token': token },
    })
    expect(unauth.status).toBe(401)
    const r = await get(`${c.apiBase}/subscriptions/resolve?api-version=2018-08-31`, {
      method: 'POST',
      headers: { ...h, 'x-ms-marketplace-token': token },
    })
    expect(await r.json()).toMatchObject({ id: subscriptionId, planId: 'team-monthly' })
    expect(
      (
        await get(`${c.apiBase}/subscriptions/resolve?api-version=2018-08-31`, {
          method: 'POST',
          headers: { ...h, 'x-ms-marketplace-token': 'forged' },
        })
      ).status,
    ).toBe(400)
    expect(
      (
        await get(`${c.apiBase}/subscriptions/${subscriptionId}/activate?api-version=2018-08-31`, {
          method: 'POST',
          headers: h,
          body: JSON.stringify({ planId: 'team-monthly' }),
        })
      ).status,
    ).toBe(200)
    expect(mp.azure.subscriptions.get(subscriptionId)?.saasSubscriptionStatus).toBe('Subscribed')
    const op = mp.azure.createOperation(subscriptionId, {
      action: 'ChangePlan',
      planId: 'enterprise-monthly',
    })
    const got = (await (
      await get(`${c.apiBase}/subscriptions/${subscriptionId}/operations/${op.id}?api-version=2018-08-31`, {
        headers: h,
      })
    ).json()) as { status: string }
    expect(got.status).toBe('InProgress')
    await get(`${c.apiBase}/subscriptions/${subscriptionId}/operations/${op.id}?api-version=2018-08-31`, {
      method: 'PATCH',
      headers: h,
      body: JSON.stringify({ status: 'Success' }),
    })
    expect(mp.azure.subscriptions.get(subscriptionId)?.planId).toBe('enterprise-monthly')
    // Webhook JWTs verify against the published JWKS.
    const oidc = (await (
      await get(`${c.authority}/${c.tenantId}/v2.0/.well-known/openid-configuration`)
    ).json()) as { jwks_uri: string; issuer: string }
    const jwks = createLocalJWKSet((await (await get(oidc.jwks_uri)).json()) as never)
    const { payload } = await jwtVerify(await mp.azure.webhookToken(), jwks, {
      audience: c.clientId,
      issuer: oidc.issuer,
    })
    expect(payload).toMatchObject({ tid: c.tenantId, azp: AZURE_MARKETPLACE_APP_ID })
    await expect(jwtVerify(await mp.azure.webhookToken({ foreignKey: true }), jwks)).rejects.toThrow()
  })

  it('serves the GCP procurement API, x509 metadata and sign-up JWTs', async () => {
    const c = mp.config().gcp
    const certs = (await (await fetch(c.certsUrl)).json()) as Record<string, string>
    const accountId = mp.gcp.createAccount()
    const jwt = await mp.gcp.signupToken(accountId, { audience: 'cms.example' })
    const { payload } = await jwtVerify(jwt, async (h) => importX509(certs[h.kid!]!, 'RS256'), {
      issuer: GCP_COMMERCE_ISSUER,
      audience: 'cms.example',
    })
    expect(payload.sub).toBe(accountId)
    const sa = sim.control.accounts().find((a) => a.cloud === 'gcp')!.credentials as {
      client_email: string
      private_key: string
      private_key_id: string
    }
    const bearer = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: sa.private_key_id })
      .setIssuer(sa.client_email)
      .setSubject(sa.client_email)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(await importPKCS8(sa.private_key, 'RS256'))
    const h = { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' }
    expect(
      (
        await fetch(`${c.apiBase}/providers/${c.providerId}/accounts/${accountId}:approve`, {
          method: 'POST',
          body: '{}',
        })
      ).status,
    ).toBe(401)
    expect(
      (
        await fetch(`${c.apiBase}/providers/${c.providerId}/accounts/${accountId}:approve`, {
          method: 'POST',
          headers: h,
          body: JSON.stringify({ approvalName: 'signup' }),
        })
      ).status,
    ).toBe(200)
    const ent = mp.gcp.createEntitlement(accountId, 'team')
    await fetch(`${c.apiBase}/providers/${c.providerId}/entitlements/${ent}:approve`, {
      method: 'POST',
      headers: h,
      body: '{}',
    })
    const e = (await (
      await fetch(`${c.apiBase}/providers/${c.providerId}/entitlements/${ent}`, { headers: h })
    ).json()) as { state: string; account: string }
    expect(e).toMatchObject({
      state: 'ENTITLEMENT_ACTIVE',
      account: `providers/${c.providerId}/accounts/${accountId}`,
    })
    const push = mp.gcp.pubsubPush('ENTITLEMENT_ACTIVE', { entitlementId: ent })
    expect(JSON.parse(Buffer.from(push.message.data, 'base64').toString())).toMatchObject({
      eventType: 'ENTITLEMENT_ACTIVE',
      entitlement: { id: ent },
    })
  })
})
