/**
 * Issue 10 (4): after a demo-like run, no plaintext secret anywhere.
 *
 * Flow (in-process, real PostgreSQL / Redis / cloudsim / official SDKs): sign up and create an
 * organization through better-auth; create read and write API keys; connect cloudsim's AWS, Azure and
 * GCP accounts through POST /api/v1/accounts with their real credentials and re-verify them; create
 * webhook endpoints (standard, Slack with a secret path, PagerDuty with a routing key), rotate a secret,
 * send tests; then a scheduler worker (unique queue prefix) runs discovery and metrics until every
 * account has resources and points. Every log line (web, worker, console) at trace level and every
 * API response body is captured.
 *
 * Scan: every row of every table, every Redis key under the prefix, the logs and the responses, for
 * every secret involved → 0 hits. The one-time fields that exist to hand a secret over (the new API
 * key, a new webhook signing secret) are removed from their own response before it is scanned.
 */
import { createServer, type Server } from 'node:http'
import { randomBytes } from 'node:crypto'
import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { startCloudSim, type CloudSim } from '@cms/cloudsim'
import { createLogger, LocalKeyring, Vault } from '@cms/core'
import type { TestDatabase } from '@cms/db/testing'
import type { StartedWorker } from '@cms/scheduler'
import type { ApiRoute } from '../../apps/web/src/server/api/define-route'
import {
  callRaw,
  cookieOf,
  PUBLIC_URL,
  setupSecurityTest,
  type Auth,
  type Handler,
  type RawResponse,
} from './harness'
import {
  collectDatabase,
  collectRedis,
  scanText,
  secretVariants,
  type Haystack,
  type Secret,
} from './secret-scan'

const REDIS_URL = 'redis://127.0.0.1:6379'
const PREFIX = `sec-${randomBytes(4).toString('hex')}`
let sim: CloudSim
let db: TestDatabase
let masterKeys = ''
let teardown: () => Promise<void>
let worker: StartedWorker | undefined
let receiver: Server
let base = ''
const logLines: string[] = []
const responses: Haystack[] = []
const secrets: Secret[] = []
let tenantId = ''

const capture = new Writable({
  write(chunk: Buffer, _enc, cb) {
    logLines.push(chunk.toString())
    cb()
  },
})

async function until<T>(fn: () => Promise<T | null | undefined | false>, ms: number): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = await fn().catch(() => null)
    if (v) return v
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 250))
  }
}

beforeAll(async () => {
  sim = await startCloudSim({ port: 0, seed: 31, scenario: 'minimal' })
  const poller = sim.control.poller()
  ;({ db, masterKeys, teardown } = await setupSecurityTest({
    LOG_LEVEL: 'trace',
    CMS_QUEUE_PREFIX: PREFIX,
    CMS_WEBHOOK_ALLOW_PRIVATE: '1',
    CMS_AWS_ENDPOINT: sim.urls.aws,
    CMS_AZURE_ENDPOINT: sim.urls.azure,
    CMS_GCP_ENDPOINT: sim.urls.gcp,
    CMS_NCP_ENDPOINT: sim.urls.ncp,
    CMS_CLOUD_CA_FILE: sim.caCertFile,
    CMS_AWS_ACCESS_KEY_ID: poller.accessKeyId,
    CMS_AWS_SECRET_ACCESS_KEY: poller.secretAccessKey,
  }))
  // Every log of the web app at trace level into memory (pino with a destination; redaction as configured).
  const { services } = await import('../../apps/web/src/server/services')
  services().log = createLogger({ name: 'web', level: 'trace', destination: capture })
  for (const m of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, m).mockImplementation((...args: unknown[]) => {
      logLines.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '))
    })
  }
  secrets.push({ name: 'AWS poller secretAccessKey', value: poller.secretAccessKey })
  secrets.push({ name: 'AUTH_SECRET', value: process.env.AUTH_SECRET! })
  secrets.push({ name: 'vault master key', value: masterKeys.split(':')[1]! })

  receiver = createServer((req, res) => {
    req.resume()
    req.on('end', () => res.writeHead(200).end('ok'))
  })
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(receiver.address() as { port: number }).port}`
}, 120_000)

afterAll(async () => {
  vi.restoreAllMocks()
  await worker?.stop().catch(() => undefined)
  receiver?.close()
  await teardown?.()
  await sim?.stop()
  // Leave nothing under the test prefix.
  const { Redis } = await import('ioredis')
  const r = new Redis(REDIS_URL)
  const keys = await r.keys(`*${PREFIX}*`)
  if (keys.length) await r.del(...keys)
  r.disconnect()
})

/** Call a route and keep its body for the scan (minus the one-time secret fields named). */
async function api(
  r: ApiRoute | Handler,
  o: Parameters<typeof callRaw>[1],
  oneTime: string[] = [],
): Promise<RawResponse> {
  const handler = (typeof r === 'function' ? r : r.handler) as Handler
  const res = await callRaw(handler, o)
  const kept =
    res.json && typeof res.json === 'object'
      ? (structuredClone(res.json) as Record<string, unknown>)
      : undefined
  if (kept) for (const f of oneTime) delete kept[f]
  responses.push({
    source: `response ${o.method ?? 'GET'} ${o.path ?? ''} ${res.status}`,
    text: kept ? JSON.stringify(kept) : res.text,
  })
  return res
}

async function authCall(path: string, body: unknown, cookie?: string): Promise<Response> {
  const { auth } = await import('../../apps/web/src/server/auth')
  const res = await auth().handler(
    new Request(`${PUBLIC_URL}/api/auth${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        origin: PUBLIC_URL,
        'x-forwarded-for': '203.0.113.50',
        ...(cookie ? { cookie } : {}),
      },
      body: JSON.stringify(body),
    }),
  )
  responses.push({ source: `response POST /api/auth${path} ${res.status}`, text: await res.clone().text() })
  return res
}

describe('secret scan after a demo-like run', () => {
  it('runs the flow and finds 0 plaintext secrets in rows, logs, Redis payloads and responses', async () => {
    const { routes } = await import('../../apps/web/src/server/api/routes')
    const settings = await import('../../apps/web/src/server/settings')

    // Sign-up and organization through better-auth.
    const password = `pw-${randomBytes(9).toString('base64url')}`
    secrets.push({ name: 'user password', value: password })
    const signUp = await authCall('/sign-up/email', { email: 'founder@scan.test', password, name: 'Founder' })
    expect(signUp.status).toBe(200)
    let cookie = cookieOf(signUp)
    const org = await authCall(
      '/organization/create',
      { name: 'Scan Org', slug: `scan-${randomBytes(3).toString('hex')}` },
      cookie,
    )
    expect(org.status).toBe(200)
    tenantId = ((await org.json()) as { id: string }).id
    const active = await authCall('/organization/set-active', { organizationId: tenantId }, cookie)
    cookie = [cookie, cookieOf(active)].filter(Boolean).join('; ')
    // The demo's plan: every cloud at once, fast schedules for one quick cycle.
    await db.worker.organization.update({
      where: { id: tenantId },
      data: {
        planId: 'enterprise',
        settings: { schedule: { discoveryIntervalMs: 2000, metricsIntervalMs: 2000 } },
      },
    })
    const session: Auth = { cookie }

    // API keys (session only; the key is in the creation response once).
    const keys: string[] = []
    for (const scope of ['read', 'write']) {
      const k = await api(
        settings.postApiKey as Handler,
        { method: 'POST', path: '/api/internal/api-keys', auth: session, body: { name: scope, scope } },
        ['key'],
      )
      expect(k.status, k.text).toBe(201)
      keys.push((k.json as { key: string }).key)
    }
    for (const k of keys) {
      secrets.push({ name: 'API key', value: k })
      secrets.push({ name: 'API key secret part', value: k.split('_').slice(2).join('_') })
    }
    const writeKey: Auth = { apiKey: keys[1]! }

    // Connect every cloudsim account through the API with its real credentials, then verify again.
    const accountIds: string[] = []
    for (const a of sim.control.accounts()) {
      let body: Record<string, unknown>
      if (a.cloud === 'aws') {
        body = { cloud: 'aws', name: a.name, credentials: a.credentials.accessKeys, regions: a.regions }
        secrets.push({ name: 'AWS secretAccessKey', value: a.credentials.accessKeys.secretAccessKey })
      } else if (a.cloud === 'azure') {
        body = {
          cloud: 'azure',
          name: a.name,
          credentials: { method: 'servicePrincipal', ...a.credentials },
          regions: a.regions,
        }
        secrets.push({ name: 'Azure clientSecret', value: a.credentials.clientSecret })
      } else if (a.cloud === 'ncp') {
        body = { cloud: 'ncp', name: a.name, credentials: a.credentials, regions: a.regions }
        secrets.push({ name: 'NCP secretKey', value: a.credentials.secretKey })
      } else {
        body = {
          cloud: 'gcp',
          name: a.name,
          credentials: { method: 'serviceAccountKey', ...a.credentials },
          regions: a.regions,
        }
        secrets.push({ name: 'GCP private_key', value: a.credentials.private_key })
      }
      const created = await api(routes.createAccount, {
        method: 'POST',
        path: '/api/v1/accounts',
        auth: writeKey,
        body,
      })
      expect(created.status, created.text).toBe(201)
      const { account, verification } = created.json as {
        account: { id: string }
        verification: { ok: boolean; message?: string }
      }
      expect(verification.ok, `${a.cloud}: ${verification.message}`).toBe(true)
      accountIds.push(account.id)
    }
    expect(new Set(sim.control.accounts().map((a) => a.cloud))).toEqual(
      new Set(['aws', 'azure', 'gcp', 'ncp']),
    )
    for (const id of accountIds) {
      expect(
        (
          await api(routes.verifyAccount, {
            method: 'POST',
            path: `/api/v1/accounts/${id}/verify`,
            params: { id },
            auth: session,
          })
        ).status,
      ).toBe(200)
      await api(routes.getAccount, { path: `/api/v1/accounts/${id}`, params: { id }, auth: writeKey })
    }
    await api(routes.listAccounts, { path: '/api/v1/accounts', auth: session })

    // Webhook endpoints with secrets of every kind; rotate one; send tests.
    const slackPath = `/services/T0000/B0000/${randomBytes(12).toString('hex')}`
    const routingKey = `R0${randomBytes(15).toString('hex')}`
    secrets.push(
      { name: 'Slack webhook path', value: slackPath },
      { name: 'PagerDuty routing key', value: routingKey },
    )
    const endpoints: { body: Record<string, unknown> }[] = [
      {
        body: {
          format: 'standard',
          name: 'ops',
          url: `${base}/hook?token=${randomBytes(8).toString('hex')}`,
        },
      },
      { body: { format: 'slack', name: 'slack', url: `${base}${slackPath}` } },
      { body: { format: 'pagerduty', name: 'pd', url: `${base}/pd`, routingKey } },
    ]
    const endpointIds: string[] = []
    for (const e of endpoints) {
      const r = await api(
        routes.createWebhook,
        { method: 'POST', path: '/api/v1/webhooks', auth: writeKey, body: e.body },
        ['signingSecret'],
      )
      expect(r.status, r.text).toBe(201)
      const s = r.json as { signingSecret: string; endpoint: { id: string } }
      secrets.push(
        { name: 'webhook signing secret', value: s.signingSecret },
        { name: 'webhook signing key (base64)', value: s.signingSecret.replace(/^whsec_/, '') },
      )
      endpointIds.push(s.endpoint.id)
    }
    const rotated = await api(
      routes.rotateWebhookSecret,
      {
        method: 'POST',
        path: '/api/v1/webhooks/x/rotate-secret',
        params: { id: endpointIds[0]! },
        auth: writeKey,
        body: { graceHours: 1 },
      },
      ['signingSecret'],
    )
    expect(rotated.status, rotated.text).toBe(200)
    secrets.push({
      name: 'rotated webhook signing secret',
      value: (rotated.json as { signingSecret: string }).signingSecret,
    })
    for (const id of endpointIds) {
      const t = await api(routes.testWebhook, {
        method: 'POST',
        path: `/api/v1/webhooks/${id}/test`,
        params: { id },
        auth: writeKey,
      })
      expect(t.status, t.text).toBe(200)
      await api(routes.getWebhook, { path: `/api/v1/webhooks/${id}`, params: { id }, auth: session })
      await api(routes.listWebhookDeliveries, {
        path: `/api/v1/webhooks/${id}/deliveries`,
        params: { id },
        auth: session,
      })
    }
    await api(routes.listWebhooks, { path: '/api/v1/webhooks', auth: session })
    await api(routes.createAlertRule, {
      method: 'POST',
      path: '/api/v1/alert-rules',
      auth: writeKey,
      body: {
        name: 'cpu',
        endpointIds,
        spec: {
          kind: 'metric_threshold',
          metric: 'CPUUtilization',
          scope: { type: 'resource_type', resourceType: 'ec2.instance' },
          comparison: 'gt',
          threshold: 1,
        },
      },
    })

    // One discovery + metrics cycle by a real worker on its own queue prefix.
    const { startWorker } = await import('@cms/scheduler')
    const { realProviders } = await import('@cms/scheduler/testing/registry')
    worker = await startWorker({
      databaseUrl: db.url,
      redisUrl: REDIS_URL,
      queuePrefix: PREFIX,
      vault: new Vault(LocalKeyring.fromString(masterKeys)),
      providers: await realProviders(),
      endpoints: {
        aws: sim.urls.aws,
        azure: sim.urls.azure,
        gcp: sim.urls.gcp,
        ncp: sim.urls.ncp,
        caPem: sim.caCertPem,
      },
      logger: createLogger({ name: 'worker', level: 'trace', destination: capture }),
      reconcileIntervalMs: 2000,
      shutdownGraceMs: 2000,
      dbPoolMax: 4,
    })
    sim.control.advanceClock(15 * 60_000)
    await until(async () => {
      const withResources = await db.worker.resource.groupBy({ by: ['accountId'], where: { tenantId } })
      const points = await db.worker.$queryRawUnsafe<{ n: number }[]>(
        'SELECT count(*)::int AS n FROM ts.metric_points WHERE tenant_id = $1::uuid',
        tenantId,
      )
      return withResources.length === accountIds.length && (points[0]?.n ?? 0) > 0
    }, 60_000)
    for (const r of [routes.listResources, routes.getUsage, routes.getPlan, routes.listAlerts])
      await api(r, { path: '/api/v1/x', auth: session })
    // Redis is read while the worker's jobs and schedulers are still there.
    const redis = await collectRedis(REDIS_URL, `*${PREFIX}*`)
    await worker.stop()
    worker = undefined

    const database = await collectDatabase(db.url)
    const logs: Haystack[] = [{ source: 'logs (web, worker, console)', text: logLines.join('\n') }]
    const hits = scanText([...database, ...redis, ...logs, ...responses], secrets)

    const bytes = (hs: Haystack[]) => hs.reduce((n, h) => n + h.text.length, 0)
    // console is captured above; the summary goes straight to stdout.
    process.stdout.write(
      `[security] secret scan: ${secrets.length} secrets (${secrets.reduce((n, s) => n + secretVariants(s.value).length, 0)} spellings) in ` +
        `${database.length} tables (${bytes(database)} B), ${redis.length} Redis keys (${bytes(redis)} B), ${logLines.length} log lines (${bytes(logs)} B), ` +
        `${responses.length} responses (${bytes(responses)} B) → ${hits.length} hits\n`,
    )
    // The scan must have seen the things it vouches for.
    expect(database.some((h) => h.source.startsWith('db:public.cloud_account') && h.text.length > 100)).toBe(
      true,
    )
    expect(redis.length).toBeGreaterThan(5)
    expect(logLines.length).toBeGreaterThan(20)
    expect(
      secrets.filter((s) => s.name === 'GCP private_key' || s.name === 'Azure clientSecret').length,
    ).toBeGreaterThan(0)
    expect(hits, JSON.stringify(hits.slice(0, 10), null, 1)).toEqual([])
  }, 120_000)

  it('the scanner finds what it is meant to find (positive control)', () => {
    const pem =
      '-----BEGIN PRIVATE KEY-----\n' +
      randomBytes(600)
        .toString('base64')
        .replace(/(.{64})/g, '$1\n') +
      '\n-----END PRIVATE KEY-----\n'
    const s: Secret[] = [
      { name: 'pem', value: pem },
      { name: 'key', value: 'cms_deadbeef_supersecretvalue123' },
    ]
    const body = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '')
    const hay: Haystack[] = [
      { source: 'json-escaped', text: JSON.stringify({ k: pem }) },
      { source: 'fragment', text: `…${body.slice(100, 200)}…` },
      { source: 'base64', text: Buffer.from('cms_deadbeef_supersecretvalue123').toString('base64') },
      { source: 'url', text: `?k=${encodeURIComponent('cms_deadbeef_supersecretvalue123')}` },
      { source: 'clean', text: 'nothing here [redacted]' },
    ]
    const hits = scanText(hay, s)
    expect(new Set(hits.map((h) => h.source))).toEqual(new Set(['json-escaped', 'fragment', 'base64', 'url']))
    for (const h of hits) expect(h.excerpt).not.toContain('supersecretvalue')
  })
})
