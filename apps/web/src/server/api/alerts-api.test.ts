/**
 * Alerts and plan limits through the real route handlers: rules CRUD, webhook endpoints (secret shown
 * once, SSRF refusal as a generic 4xx), "send test" queueing a delivery that a real scheduler worker
 * (webhooks queue only, own Redis prefix) delivers as a signed message to a real receiver, the delivery
 * log, replay, silences, alerts, roles, and the Free plan's 402 limits.
 */
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import { Redis } from 'ioredis'
import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger, LocalKeyring, Vault } from '@cms/core'
import type { TestDatabase } from '@cms/db/testing'
import { startWorker, type StartedWorker } from '@cms/scheduler'
import { realProviders } from '@cms/scheduler/testing/registry'
import { call, setupWebTest, signIn } from '../../../test/harness'
import * as seed from '../demo-seed'
import { routes } from './routes'

let db: TestDatabase
let teardown: () => Promise<void>
let writeKey: string
let readKey: string
let viewerCookie: string
let tenantId: string
let receiver: Server
let receiverUrl: string
const received: { headers: IncomingHttpHeaders; body: string }[] = []
let answer = 200
const REDIS_URL = 'redis://127.0.0.1:6379'
const PREFIX = `web-alerts-${randomBytes(4).toString('hex')}`
let worker: StartedWorker | undefined

async function until<T>(
  fn: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  ms = 15_000,
): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > end) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 50))
  }
}

beforeAll(async () => {
  process.env.CMS_WEBHOOK_ALLOW_PRIVATE = '1'
  process.env.CMS_QUEUE_PREFIX = PREFIX
  ;({ db, teardown } = await setupWebTest())
  const demo = await seed.seedDemoOrganization(db.worker, {
    email: 'alerts@a.test',
    password: 'password-123456',
    estate: { resourcesPerAccount: 60, days: 1, rawHours: 1 },
  })
  tenantId = demo.organizationId
  writeKey = demo.apiKey
  readKey = await seed.createApiKeyFor(db.worker, tenantId, 'read')
  const viewer = await seed.createUserWithPassword(db.worker, {
    email: 'viewer@alerts.test',
    password: 'password-123456',
    name: 'V',
  })
  await seed.addMember(db.worker, tenantId, viewer.id, 'viewer')
  viewerCookie = await signIn('viewer@alerts.test', 'password-123456')
  receiver = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString()))
    req.on('end', () => {
      received.push({ headers: req.headers, body })
      res.writeHead(answer).end('ok')
    })
  })
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r))
  receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`
  // The scheduler's webhook consumer, as deployed: the web only enqueues, a worker sends.
  worker = await startWorker({
    databaseUrl: db.url,
    redisUrl: REDIS_URL,
    queuePrefix: PREFIX,
    vault: new Vault(LocalKeyring.fromString(process.env.CMS_MASTER_KEYS!)),
    providers: await realProviders(),
    queues: ['webhooks'],
    logger: createLogger({ name: 'worker', level: 'silent' }),
    shutdownGraceMs: 2000,
    dbPoolMax: 2,
  })
}, 120_000)
afterAll(async () => {
  await worker?.stop()
  receiver?.close()
  await teardown?.()
  const redis = new Redis(REDIS_URL)
  const keys = await redis.keys(`{${PREFIX}}:*`)
  if (keys.length > 0) await redis.del(...keys)
  await redis.quit()
})

const auth = () => ({ apiKey: writeKey })

describe('webhook endpoints', () => {
  let endpointId = ''
  let secret = ''
  it('creates an endpoint and returns the signing secret once', async () => {
    const r = await call(routes.createWebhook.handler, {
      method: 'POST',
      auth: auth(),
      body: { format: 'standard', name: 'ops', url: `${receiverUrl}?token=abc` },
    })
    expect(r.status, JSON.stringify(r.body)).toBe(201)
    secret = r.body.signingSecret as string
    expect(secret).toMatch(/^whsec_/)
    endpointId = (r.body.endpoint as { id: string }).id
    expect((r.body.endpoint as { urlView: string }).urlView).not.toContain('abc')
    for (const h of [routes.getWebhook, routes.listWebhooks]) {
      const g = await call(h.handler, { params: { id: endpointId }, auth: { apiKey: readKey } })
      expect(g.status).toBe(200)
      expect(JSON.stringify(g.body)).not.toContain(secret)
      expect(JSON.stringify(g.body)).not.toContain('abc')
    }
  })

  type DeliveryItem = {
    id: string
    status: string
    nextAttemptAt?: string | null
    attemptLog: { statusCode: number; outcome: string }[]
  }
  const deliveries = async () =>
    (
      await call(routes.listWebhookDeliveries.handler, {
        params: { id: endpointId },
        auth: { apiKey: readKey },
      })
    ).body.items as DeliveryItem[]

  it('queues a test notification; the worker sends it signed with the secret, logs the attempt, and replays it', async () => {
    const r = await call(routes.testWebhook.handler, {
      method: 'POST',
      params: { id: endpointId },
      auth: auth(),
    })
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    expect((r.body.result as { status: string }).status).toBe('queued')
    expect((r.body.delivery as { status: string }).status).toBe('pending')
    const msg = await until(() => received.at(-1))
    const verified = new Webhook(secret).verify(msg.body, msg.headers as Record<string, string>) as {
      type: string
    }
    expect(verified.type).toBe('webhook.test')
    const items = await until(async () => {
      const d = await deliveries()
      return d[0]?.status === 'succeeded' ? d : null
    })
    expect(items[0]!.attemptLog[0]).toMatchObject({ statusCode: 200, outcome: 'success' })
    const before = received.length
    const rep = await call(routes.replayDelivery.handler, {
      method: 'POST',
      params: { id: items[0]!.id },
      auth: auth(),
    })
    expect(rep.status, JSON.stringify(rep.body)).toBe(200)
    expect((rep.body.result as { status: string }).status).toBe('queued')
    await until(() => received.length === before + 1)
    // Same message id on replay: receivers deduplicate on it.
    expect(received.at(-1)!.headers['webhook-id']).toBe(msg.headers['webhook-id'])
    await new Promise((r) => setTimeout(r, 300))
    expect(received.length).toBe(before + 1)
  })

  it('records a failed attempt and schedules the next one', async () => {
    answer = 503
    const r = await call(routes.testWebhook.handler, {
      method: 'POST',
      params: { id: endpointId },
      auth: auth(),
    })
    const id = (r.body.delivery as { id: string }).id
    const failed = await until(async () =>
      (await deliveries()).find((d) => d.id === id && d.attemptLog.length > 0),
    )
    answer = 200
    expect(failed.status).toBe('pending')
    expect(failed.attemptLog[0]!.statusCode).toBe(503)
    // The next attempt (5 s later on the real schedule) is queued by the worker and succeeds.
    const ok = await until(
      async () => (await deliveries()).find((d) => d.id === id && d.status === 'succeeded'),
      20_000,
    )
    expect(ok.attemptLog.map((a) => a.statusCode)).toEqual([503, 200])
  })

  it('rotates the secret (new one returned once) and read keys / viewers cannot change anything', async () => {
    const r = await call(routes.rotateWebhookSecret.handler, {
      method: 'POST',
      params: { id: endpointId },
      auth: auth(),
      body: { graceHours: 1 },
    })
    expect(r.status).toBe(200)
    expect(r.body.signingSecret).not.toBe(secret)
    for (const a of [{ apiKey: readKey }, { cookie: viewerCookie }]) {
      expect(
        (await call(routes.testWebhook.handler, { method: 'POST', params: { id: endpointId }, auth: a }))
          .status,
      ).toBe(403)
      expect(
        (await call(routes.deleteWebhook.handler, { method: 'DELETE', params: { id: endpointId }, auth: a }))
          .status,
      ).toBe(403)
      expect((await call(routes.createAlertRule.handler, { method: 'POST', auth: a, body: {} })).status).toBe(
        403,
      )
    }
  })

  it('Free plan: a second endpoint is 402 limit_exceeded with a clear message', async () => {
    const r = await call(routes.createWebhook.handler, {
      method: 'POST',
      auth: auth(),
      body: { format: 'slack', name: 'slack', url: receiverUrl },
    })
    expect(r.status).toBe(402)
    expect(r.body.error?.code).toBe('limit_exceeded')
    expect(r.body.error?.message).toMatch(/Free plan allows 1 webhook endpoints/)
  })
})

describe('alert rules, silences, alerts, plan', () => {
  let ruleId = ''
  it('creates, reads, patches and deletes rules; the Free plan stops at 5', async () => {
    const spec = {
      kind: 'metric_threshold',
      metric: 'CPUUtilization',
      scope: { type: 'resource_type', resourceType: 'ec2.instance' },
      comparison: 'gt',
      threshold: 80,
    }
    const r = await call(routes.createAlertRule.handler, {
      method: 'POST',
      auth: auth(),
      body: { name: 'cpu', spec },
    })
    expect(r.status, JSON.stringify(r.body)).toBe(201)
    ruleId = r.body.id as string
    const bad = await call(routes.createAlertRule.handler, {
      method: 'POST',
      auth: auth(),
      body: { name: 'x', spec: { ...spec, comparison: 'bigger' } },
    })
    expect(bad.status).toBe(422)
    const p = await call(routes.patchAlertRule.handler, {
      method: 'PATCH',
      params: { id: ruleId },
      auth: auth(),
      body: { enabled: false, severity: 'critical' },
    })
    expect(p.body).toMatchObject({ enabled: false, severity: 'critical' })
    for (let i = 0; i < 4; i++)
      expect(
        (
          await call(routes.createAlertRule.handler, {
            method: 'POST',
            auth: auth(),
            body: { name: `r${i}`, spec },
          })
        ).status,
      ).toBe(201)
    const over = await call(routes.createAlertRule.handler, {
      method: 'POST',
      auth: auth(),
      body: { name: 'r6', spec },
    })
    expect(over.status).toBe(402)
    expect(over.body.error?.message).toMatch(/Free plan allows 5 alert rules/)
    const list = await call(routes.listAlertRules.handler, { auth: { apiKey: readKey } })
    expect((list.body.items as unknown[]).length).toBe(5)
  })

  it('silences a rule and ends the silence', async () => {
    const now = Date.now()
    const s = await call(routes.createSilence.handler, {
      method: 'POST',
      auth: auth(),
      body: {
        ruleId,
        startsAt: new Date(now).toISOString(),
        endsAt: new Date(now + 3600_000).toISOString(),
        comment: 'maintenance',
      },
    })
    expect(s.status, JSON.stringify(s.body)).toBe(201)
    expect(
      (
        (await call(routes.listSilences.handler, { query: { active: '1' }, auth: auth() })).body
          .items as unknown[]
      ).length,
    ).toBe(1)
    expect(
      (
        await call(routes.expireSilence.handler, {
          method: 'DELETE',
          params: { id: s.body.id as string },
          auth: auth(),
        })
      ).status,
    ).toBe(200)
    expect(
      (
        (await call(routes.listSilences.handler, { query: { active: '1' }, auth: auth() })).body
          .items as unknown[]
      ).length,
    ).toBe(0)
  })

  it('lists active alerts with their resource, and the overview shows them', async () => {
    const res = await db.worker.resource.findFirstOrThrow({ where: { tenantId }, select: { id: true } })
    await db.worker.alertInstance.create({
      data: {
        tenantId,
        ruleId,
        fingerprint: 'fp1',
        subjectKey: 's1',
        state: 'firing',
        summary: 'CPU high',
        labels: { resource_id: res.id, metric: 'CPUUtilization' },
        firingSince: new Date(),
      },
    })
    const r = await call(routes.listAlerts.handler, { query: { state: 'active' }, auth: { apiKey: readKey } })
    expect(r.body.items).toMatchObject([
      { state: 'firing', resourceId: res.id, metric: 'CPUUtilization', ruleName: 'cpu' },
    ])
    const { readOverview } = await import('../overview')
    const { authorize } = await import('../tenant-guard')
    const t = await authorize(new Headers({ authorization: `Bearer ${readKey}` }), { role: 'viewer' })
    const o = await readOverview(t)
    expect(o.alerts.map((a) => a.summary)).toEqual(['CPU high'])
  })

  it('shows the plan, limits and resources beyond the monitored limit', async () => {
    const r = await call(routes.getPlan.handler, { auth: { apiKey: readKey } })
    expect(r.body).toMatchObject({ planId: 'free', limits: { monitoredResources: 50, cloudAccounts: 2 } })
    const total = (r.body.usage as { inventoriedResources: number }).inventoriedResources
    expect(r.body.notMonitored).toBe(Math.max(0, total - 50))
    const page = await call(routes.listResources.handler, {
      query: { limit: '500', sort: 'firstSeenAt' },
      auth: { apiKey: readKey },
    })
    const items = page.body.items as { monitored: boolean }[]
    expect(items.filter((i) => !i.monitored).length).toBe(r.body.notMonitored)
    // The oldest-seen are the monitored ones.
    expect(items.slice(0, 50).every((i) => i.monitored)).toBe(true)
  })
})

describe('cloud account limit', () => {
  it('a Free tenant cannot add a third account (402 with the plan message)', async () => {
    const body = (name: string) => ({
      cloud: 'aws',
      name,
      credentials: {
        method: 'accessKeys',
        accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      },
    })
    const count = await db.worker.cloudAccount.count({ where: { tenantId } })
    for (let i = count; i < 2; i++)
      expect(
        (await call(routes.createAccount.handler, { method: 'POST', auth: auth(), body: body(`acc${i}`) }))
          .status,
      ).toBe(201)
    const r = await call(routes.createAccount.handler, {
      method: 'POST',
      auth: auth(),
      body: body('one-too-many'),
    })
    expect(r.status).toBe(402)
    expect(r.body.error).toMatchObject({
      code: 'limit_exceeded',
      message: 'Your Free plan allows 2 cloud accounts; upgrade to add more.',
    })
    expect(await db.worker.cloudAccount.count({ where: { tenantId } })).toBe(2)
  })
})
