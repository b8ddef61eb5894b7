/**
 * Issue 10 (5): SSRF at the API edge, with the production setting (private targets not allowed).
 * The library-level matrix lives in packages/alerts/src/ssrf.test.ts; here:
 *  - POST /api/v1/webhooks with one target per blocked range, spelling and scheme, for every format →
 *    the same generic 422 and nothing stored; PATCH of an existing endpoint's URL → the same, URL kept;
 *  - DNS rebinding at send time through "send test": a name that resolved to a public address when it
 *    was saved and to loopback when it is sent is refused (attempt error `blocked`), and the loopback
 *    receiver never sees a request.
 * DNS is the one thing simulated (a hostile resolver is the attack); everything else is the real stack.
 */
import { randomBytes } from 'node:crypto'
import type * as DnsPromises from 'node:dns/promises'
import { createServer, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createLogger, LocalKeyring, Vault } from '@cms/core'
import type { TestDatabase } from '@cms/db/testing'
import type { StartedWorker } from '@cms/scheduler'
import type { ApiRoute } from '../../apps/web/src/server/api/define-route'
import { callRaw, organizationWithEveryPrincipal, setupSecurityTest, type Handler } from './harness'

/** name → addresses; a function answers per call (rebinding). */
const dnsTable = vi.hoisted(() => new Map<string, (n: number) => { address: string; family: number }[]>())
vi.mock('node:dns/promises', async (orig) => {
  const real = await orig<typeof DnsPromises>()
  const calls = new Map<string, number>()
  const lookup = (async (host: string, opts?: unknown) => {
    const entry = dnsTable.get(host)
    if (!entry) return (real.lookup as (h: string, o?: unknown) => Promise<unknown>)(host, opts)
    const n = (calls.get(host) ?? 0) + 1
    calls.set(host, n)
    return entry(n)
  }) as typeof real.lookup
  return { ...real, default: { ...real, lookup }, lookup }
})

const GENERIC = 'Webhook URL must be a publicly reachable http(s) URL'
let db: TestDatabase
let teardown: () => Promise<void>
let routes: Record<string, ApiRoute>
let key = ''
let tenantId = ''
let receiver: Server
let receiverPort = 0
let hits = 0
// "Send test" only enqueues; the scheduler's webhook worker (same process, so the same hostile DNS)
// makes the attempt, on its own queue prefix.
const PREFIX = `ssrf-${randomBytes(4).toString('hex')}`
let worker: StartedWorker | undefined
let masterKeys = ''

beforeAll(async () => {
  delete process.env.CMS_WEBHOOK_ALLOW_PRIVATE
  ;({ db, teardown, masterKeys } = await setupSecurityTest({ CMS_QUEUE_PREFIX: PREFIX }))
  routes = (await import('../../apps/web/src/server/api/routes')).routes
  const org = await organizationWithEveryPrincipal(db.worker, 'ssrf')
  tenantId = org.tenantId
  key = org.principals.find((p) => p.label.endsWith('write key'))!.auth.apiKey!
  receiver = createServer((req, res) => {
    hits++
    req.resume()
    res.writeHead(200).end('ok')
  })
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r))
  receiverPort = (receiver.address() as { port: number }).port
  dnsTable.set('public.ssrf.test', () => [{ address: '93.184.216.34', family: 4 }])
  dnsTable.set('private.ssrf.test', () => [{ address: '10.0.0.7', family: 4 }])
  dnsTable.set('mixed.ssrf.test', () => [
    { address: '93.184.216.34', family: 4 },
    { address: '127.0.0.1', family: 4 },
  ])
  dnsTable.set('v6loop.ssrf.test', () => [{ address: '::1', family: 6 }])
  dnsTable.set('mapped.ssrf.test', () => [{ address: '::ffff:169.254.169.254', family: 6 }])
  // Public for the save-time check, loopback ever after (the rebinding attack).
  dnsTable.set('rebind.ssrf.test', (n) => [{ address: n === 1 ? '93.184.216.34' : '127.0.0.1', family: 4 }])
}, 120_000)
afterAll(async () => {
  await worker?.stop()
  receiver?.close()
  await teardown?.()
  const { Redis } = await import('ioredis')
  const r = new Redis('redis://127.0.0.1:6379')
  const keys = await r.keys(`{${PREFIX}}:*`)
  if (keys.length) await r.del(...keys)
  r.disconnect()
})

const BLOCKED = [
  // IPv4 ranges (one address each)
  'http://0.0.0.0/x',
  'http://10.1.2.3/x',
  'http://100.64.0.1/x',
  'http://127.0.0.1/x',
  'http://169.254.169.254/latest/meta-data/',
  'http://172.16.0.1/x',
  'http://172.31.255.255/x',
  'http://192.0.0.8/x',
  'http://192.0.2.1/x',
  'http://192.88.99.1/x',
  'http://192.168.1.1/x',
  'http://198.18.0.1/x',
  'http://198.51.100.1/x',
  'http://203.0.113.1/x',
  'http://224.0.0.1/x',
  'http://240.0.0.1/x',
  'http://255.255.255.255/x',
  // IPv6
  'http://[::]/x',
  'http://[::1]/x',
  'http://[::ffff:127.0.0.1]/x',
  'http://[::ffff:a9fe:a9fe]/x',
  'http://[64:ff9b::a00:1]/x',
  'http://[fc00::1]/x',
  'http://[fd12:3456::1]/x',
  'http://[fe80::1]/x',
  'http://[ff02::1]/x',
  'http://[2001:db8::1]/x',
  'http://[::127.0.0.1]/x',
  // Other spellings of loopback / metadata
  'http://2130706433/x',
  'http://0x7f.1/x',
  'http://0177.0.0.1/x',
  'http://127.1/x',
  'http://0x7f000001/x',
  'http://169.254.43518/x',
  'http://[0:0:0:0:0:ffff:7f00:1]/x',
  // Names
  'http://localhost/x',
  'http://localhost./x',
  'http://private.ssrf.test/x',
  'http://mixed.ssrf.test/x',
  'http://v6loop.ssrf.test/x',
  'http://mapped.ssrf.test/x',
  // Userinfo, schemes, garbage
  'http://user:pass@public.ssrf.test/x',
  'http://public.ssrf.test@127.0.0.1/x',
  'ftp://public.ssrf.test/x',
  'file:///etc/passwd',
  'gopher://127.0.0.1:6379/_INFO',
  'javascript:alert(1)',
  'data:text/plain,hi',
  'dict://127.0.0.1:11211/',
  'not a url',
  'http://',
  '//127.0.0.1/x',
]

describe('webhook URLs at the API edge', () => {
  it.each(['standard', 'slack', 'alertmanager', 'pagerduty'] as const)(
    '%s: every blocked target is the same generic 422 and nothing is stored',
    async (format) => {
      for (const url of BLOCKED) {
        const body = { format, name: 'x', url, ...(format === 'pagerduty' ? { routingKey: 'rk' } : {}) }
        const r = await callRaw(routes.createWebhook!.handler as Handler, {
          method: 'POST',
          auth: { apiKey: key },
          body,
        })
        expect(r.status, `${format} ${url}: ${r.text}`).toBe(422)
        expect((r.json as { error: { message: string } }).error.message, url).toBe(GENERIC)
        // Nothing about what the name resolved to or which rule matched.
        expect(r.text).not.toMatch(/10\.0\.0\.7|127\.0\.0\.1|::1|loopback|private|metadata/i)
      }
      expect(await db.worker.webhookEndpoint.count({ where: { tenantId } })).toBe(0)
    },
  )

  it('a public target is accepted (control), and PATCHing it to a blocked one is refused with the URL kept', async () => {
    const r = await callRaw(routes.createWebhook!.handler as Handler, {
      method: 'POST',
      auth: { apiKey: key },
      body: { format: 'standard', name: 'ok', url: 'https://public.ssrf.test/hook' },
    })
    expect(r.status, r.text).toBe(201)
    const id = (r.json as { endpoint: { id: string } }).endpoint.id
    const before = await db.worker.webhookEndpoint.findUniqueOrThrow({
      where: { id },
      select: { secrets: true, urlView: true },
    })
    for (const url of BLOCKED.slice(0, 20)) {
      const p = await callRaw(routes.patchWebhook!.handler as Handler, {
        method: 'PATCH',
        params: { id },
        auth: { apiKey: key },
        body: { url },
      })
      expect(p.status, url).toBe(422)
      expect((p.json as { error: { message: string } }).error.message).toBe(GENERIC)
    }
    expect(
      await db.worker.webhookEndpoint.findUniqueOrThrow({
        where: { id },
        select: { secrets: true, urlView: true },
      }),
    ).toEqual(before)
    await db.worker.webhookEndpoint.delete({ where: { id } })
  })
})

describe('DNS rebinding at send time', () => {
  it('"send test" to a name that now resolves to loopback is blocked; the receiver sees nothing', async () => {
    const url = `http://rebind.ssrf.test:${receiverPort}/hook`
    const created = await callRaw(routes.createWebhook!.handler as Handler, {
      method: 'POST',
      auth: { apiKey: key },
      body: { format: 'standard', name: 'rebind', url },
    })
    expect(created.status, created.text).toBe(201)
    const id = (created.json as { endpoint: { id: string } }).endpoint.id
    const { startWorker } = await import('@cms/scheduler')
    const { realProviders } = await import('@cms/scheduler/testing/registry')
    worker = await startWorker({
      databaseUrl: db.url,
      redisUrl: 'redis://127.0.0.1:6379',
      queuePrefix: PREFIX,
      vault: new Vault(LocalKeyring.fromString(masterKeys)),
      providers: await realProviders(),
      queues: ['webhooks'],
      logger: createLogger({ name: 'worker', level: 'silent' }),
      shutdownGraceMs: 2000,
      dbPoolMax: 2,
    })
    const sent = await callRaw(routes.testWebhook!.handler as Handler, {
      method: 'POST',
      params: { id },
      auth: { apiKey: key },
    })
    expect(sent.status, sent.text).toBe(200)
    const deliveryId = (sent.json as { delivery: { id: string } }).delivery.id
    const attempt = await waitFor(() =>
      db.worker.webhookAttempt.findFirst({ where: { tenantId, deliveryId } }),
    )
    expect(attempt.outcome).not.toBe('success')
    expect(attempt.error).toBe('blocked')
    expect(hits).toBe(0)
    // Every later send re-resolves and is refused the same way (a second test notification).
    const again = await callRaw(routes.testWebhook!.handler as Handler, {
      method: 'POST',
      params: { id },
      auth: { apiKey: key },
    })
    expect([200, 409]).toContain(again.status)
    if (again.status === 200) {
      const againId = (again.json as { delivery: { id: string } }).delivery.id
      await waitFor(() => db.worker.webhookAttempt.findFirst({ where: { tenantId, deliveryId: againId } }))
    }
    const attempts = await db.worker.webhookAttempt.findMany({ where: { tenantId }, select: { error: true } })
    expect(attempts.length).toBeGreaterThan(0)
    expect(attempts.every((x) => x.error === 'blocked')).toBe(true)
    expect(hits).toBe(0)
  })
})

async function waitFor<T>(fn: () => Promise<T | null | undefined>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > end) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 50))
  }
}
