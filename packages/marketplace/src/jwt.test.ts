import { createServer, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SignJWT, exportJWK, exportSPKI, generateKeyPair, type JWK } from 'jose'
import { generate } from 'selfsigned'
import { AZURE_MARKETPLACE_APP_ID, azureWebhookVerifier } from './azure/saas'
import { GCP_MARKETPLACE_ISSUER, GcpProcurementClient } from './gcp/procurement'
import { gcpPushVerifier } from './gcp/pubsub-auth'
import { createFetch } from './http'

describe('Azure marketplace webhook JWT', () => {
  let keys: Awaited<ReturnType<typeof generateKeyPair>>
  let jwk: JWK
  const tid = '72f988bf-86f1-41af-91ab-2d7cd011db47'
  const aud = 'our-app-client-id'
  beforeAll(async () => {
    keys = await generateKeyPair('RS256')
    jwk = { ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }
  })
  const token = (
    claims: Record<string, unknown>,
    opts: {
      exp?: string
      iss?: string
      kid?: string
      key?: Awaited<ReturnType<typeof generateKeyPair>>['privateKey']
    } = {},
  ) =>
    new SignJWT({ tid, azp: AZURE_MARKETPLACE_APP_ID, ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: opts.kid ?? 'k1' })
      .setIssuer(opts.iss ?? `https://login.microsoftonline.com/${tid}/v2.0`)
      .setAudience((claims.aud as string) ?? aud)
      .setIssuedAt()
      .setExpirationTime(opts.exp ?? '5m')
      .sign(opts.key ?? keys.privateKey)
  const verifier = () =>
    azureWebhookVerifier({
      jwksLoader: async () => ({ keys: [jwk] }),
      audience: aud,
      tenantId: tid,
      issuers: [`https://sts.windows.net/${tid}/`, `https://login.microsoftonline.com/${tid}/v2.0`],
    })

  it('accepts a valid token (v2 issuer, azp) and a v1 token (appid)', async () => {
    await expect(verifier()(`Bearer ${await token({})}`)).resolves.toMatchObject({ tid })
    const v1 = await token(
      { azp: undefined, appid: AZURE_MARKETPLACE_APP_ID },
      { iss: `https://sts.windows.net/${tid}/` },
    )
    await expect(verifier()(`Bearer ${v1}`)).resolves.toMatchObject({ appid: AZURE_MARKETPLACE_APP_ID })
  })

  it('rejects wrong audience, tenant, caller, issuer, key, expiry, and no token', async () => {
    const other = await generateKeyPair('RS256')
    const bad = [
      await token({ aud: 'someone-else' }),
      await token({ tid: '00000000-0000-0000-0000-000000000000' }),
      await token({ azp: 'not-the-marketplace' }),
      await token({}, { iss: 'https://evil.example/' }),
      await token({}, { key: other.privateKey }),
      await token({}, { exp: '-10m' }),
    ]
    for (const t of bad)
      await expect(verifier()(`Bearer ${t}`)).rejects.toMatchObject({ code: 'unauthenticated' })
    await expect(verifier()(null)).rejects.toMatchObject({ code: 'unauthenticated' })
  })
})

describe('Azure webhook JWT: algorithm, lifetime and header form (issue 18)', () => {
  const tid = '72f988bf-86f1-41af-91ab-2d7cd011db47'
  const aud = 'our-app-client-id'
  const iss = `https://login.microsoftonline.com/${tid}/v2.0`
  let keys: Awaited<ReturnType<typeof generateKeyPair>>
  let jwk: JWK
  let publicPem = ''
  beforeAll(async () => {
    keys = await generateKeyPair('RS256', { extractable: true })
    jwk = { ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }
    publicPem = await exportSPKI(keys.publicKey)
  })
  const verifier = () =>
    azureWebhookVerifier({
      jwksLoader: async () => ({ keys: [jwk] }),
      audience: aud,
      tenantId: tid,
      issuers: [iss],
    })
  const claims = { tid, azp: AZURE_MARKETPLACE_APP_ID, iss, aud }
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url')
  const rs256 = (c: Record<string, unknown>) =>
    new SignJWT(c).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).sign(keys.privateKey)

  it('a well-formed token passes (control)', async () => {
    const now = Math.floor(Date.now() / 1000)
    await expect(
      verifier()(`Bearer ${await rs256({ ...claims, iat: now, exp: now + 600 })}`),
    ).resolves.toMatchObject({ tid })
  })

  it('refuses alg none, HS256 keyed with our RSA public key, no exp, no iat, and a token older than its max age', async () => {
    const now = Math.floor(Date.now() / 1000)
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims, iat: now, exp: now + 600 })}.`
    const confused = await new SignJWT({ ...claims, iat: now, exp: now + 600 })
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .sign(new TextEncoder().encode(publicPem))
    const noExp = await rs256({ ...claims, iat: now })
    const noIat = await rs256({ ...claims, exp: now + 600 })
    const old = await rs256({ ...claims, iat: now - 3 * 3600, exp: now + 600 })
    for (const t of [none, confused, noExp, noIat, old])
      await expect(verifier()(`Bearer ${t}`)).rejects.toMatchObject({ code: 'unauthenticated' })
  })

  it('requires the Bearer scheme, as the Pub/Sub verifier does (a bare token is refused)', async () => {
    const now = Math.floor(Date.now() / 1000)
    const t = await rs256({ ...claims, iat: now, exp: now + 600 })
    for (const h of [t, `Basic ${t}`, `Bearer`, `Bearer ${t} extra`, `Bearer ${t}.x`])
      await expect(verifier()(h)).rejects.toMatchObject({ code: 'unauthenticated' })
    await expect(verifier()(`bearer ${t}`)).resolves.toMatchObject({ tid })
  })
})

describe('Pub/Sub push OIDC token (the same rules)', () => {
  let server: Server
  let certsUrl = ''
  let keys: Awaited<ReturnType<typeof generateKeyPair>>
  const email = 'push@cms-project.iam.gserviceaccount.com'
  const audience = 'https://cms.example/api/marketplace/gcp/events'
  beforeAll(async () => {
    keys = await generateKeyPair('RS256')
    const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'g1', alg: 'RS256', use: 'sig' }
    server = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })),
    )
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    certsUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/certs`
  })
  afterAll(() => new Promise<void>((r) => server.close(() => r())))
  const verify = () =>
    gcpPushVerifier({ audience, serviceAccountEmail: email, fetch: createFetch(), certsUrl })
  const token = (c: Record<string, unknown>) =>
    new SignJWT({ iss: 'https://accounts.google.com', aud: audience, email, email_verified: true, ...c })
      .setProtectedHeader({ alg: 'RS256', kid: 'g1' })
      .sign(keys.privateKey)

  it('accepts a fresh token; refuses one without exp, a bare token and an unverified e-mail', async () => {
    const now = Math.floor(Date.now() / 1000)
    await expect(verify()(`Bearer ${await token({ iat: now, exp: now + 3600 })}`)).resolves.toBeUndefined()
    for (const h of [
      `Bearer ${await token({ iat: now })}`,
      await token({ iat: now, exp: now + 3600 }),
      `Bearer ${await token({ iat: now, exp: now + 3600, email_verified: false })}`,
    ])
      await expect(verify()(h)).rejects.toMatchObject({ code: 'unauthenticated' })
  })
})

describe('GCP marketplace sign-up JWT', () => {
  let server: Server
  let certsUrl: string
  let signer: { private: string; cert: string }
  beforeAll(async () => {
    signer = await generate([{ name: 'commonName', value: 'cloud-commerce-partner' }], {
      keySize: 2048,
      algorithm: 'sha256',
    })
    server = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ kid1: signer.cert })),
    )
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    certsUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/certs`
  })
  afterAll(() => new Promise<void>((r) => server.close(() => r())))

  const client = () =>
    new GcpProcurementClient({
      apiBase: 'http://127.0.0.1:1/v1',
      providerId: 'cms',
      audience: 'cms.example.com',
      certsUrl,
      serviceAccount: {
        client_email: 'x@y.iam.gserviceaccount.com',
        private_key: signer.private,
        private_key_id: 'k',
      },
      fetch: createFetch(),
      planMap: { 'team-monthly': 'team' },
    })
  const sign = async (claims: {
    aud?: string
    iss?: string
    sub?: string
    exp?: string
    kid?: string
    key?: string
    noIat?: boolean
  }) => {
    const { importPKCS8 } = await import('jose')
    const key = await importPKCS8(claims.key ?? signer.private, 'RS256')
    const j = new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: claims.kid ?? 'kid1' })
      .setIssuer(claims.iss ?? GCP_MARKETPLACE_ISSUER)
      .setAudience(claims.aud ?? 'cms.example.com')
      .setExpirationTime(claims.exp ?? '5m')
    if (!claims.noIat) j.setIssuedAt()
    if (claims.sub !== '') j.setSubject(claims.sub ?? 'acct-123')
    return j.sign(key)
  }

  it('verifies RS256 by kid, iss, aud, exp and sub', async () => {
    await expect(client().verifySignupToken(await sign({}))).resolves.toEqual({
      accountId: 'acct-123',
      userIdentity: undefined,
    })
  })
  it('rejects forged, expired, wrong-audience, wrong-issuer, unknown-kid and subject-less tokens', async () => {
    const other = await generate(undefined, { keySize: 2048 })
    for (const t of [
      await sign({ key: other.private }),
      await sign({ exp: '-1m' }),
      await sign({ aud: 'evil.example.com' }),
      await sign({ iss: 'https://evil' }),
      await sign({ kid: 'nope' }),
      await sign({ sub: '' }),
      await sign({ noIat: true }),
      'not-a-jwt',
    ]) {
      await expect(client().verifySignupToken(t)).rejects.toMatchObject({
        code: 'bad_request',
        message: 'Invalid marketplace sign-up token',
      })
    }
  })
})
