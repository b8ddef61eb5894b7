import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildDelivery, type ResolvedEndpoint } from './formats'
import { isGlobalUnicast } from './ip-policy'
import { sendDelivery } from './send'
import { generateWebhookSecret } from './signing'
import {
  BLOCKED_URL_MESSAGE,
  assertSafeWebhookUrl,
  createWebhookDispatcher,
  type Resolver,
  type UrlPolicy,
} from './ssrf'
import type { AlertNotification } from './notification'

/** A fake DNS: names → addresses, everything else NXDOMAIN. */
function fakeDns(map: Record<string, string[]>): Resolver {
  return async (host) => {
    const a = map[host]
    if (!a) throw Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' })
    return a.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }))
  }
}

const dns = fakeDns({
  'hooks.example.com': ['93.184.215.14'],
  'v6.example.com': ['2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
  'internal.example.com': ['10.1.2.3'],
  'mixed.example.com': ['93.184.215.14', '192.168.1.10'],
  'metadata.example.com': ['169.254.169.254'],
  'mapped.example.com': ['::ffff:127.0.0.1'],
  'ula.example.com': ['fd12:3456::1'],
})
const strict: UrlPolicy = { allowPrivate: false, requireHttps: true, resolver: dns }

describe('SSRF guard: every blocked target is rejected with the same generic error', () => {
  const blocked = [
    'https://127.0.0.1/hook',
    'https://127.1/hook', // short form
    'https://2130706433/hook', // decimal 127.0.0.1
    'https://0x7f000001/hook', // hex
    'https://0x7f.0.0.1/hook', // hex octet
    'https://0177.0.0.1/hook', // octal
    'https://017700000001/hook', // octal whole
    'https://[::1]/hook',
    'https://[::]/hook',
    'https://0.0.0.0/hook',
    'https://10.0.0.1/hook',
    'https://10.255.255.255/hook',
    'https://172.16.0.1/hook',
    'https://172.31.255.254/hook',
    'https://192.168.0.1/hook',
    'https://169.254.169.254/latest/meta-data/',
    'https://100.64.0.1/hook',
    'https://192.0.0.8/hook',
    'https://192.0.2.1/hook',
    'https://198.18.0.1/hook',
    'https://198.51.100.7/hook',
    'https://203.0.113.9/hook',
    'https://224.0.0.1/hook',
    'https://240.0.0.1/hook',
    'https://255.255.255.255/hook',
    'https://[fd00::1]/hook',
    'https://[fc00::1]/hook',
    'https://[fe80::1]/hook',
    'https://[ff02::1]/hook',
    'https://[::ffff:127.0.0.1]/hook', // IPv4-mapped, normalised by URL to ::ffff:7f00:1
    'https://[::ffff:169.254.169.254]/hook',
    'https://[::ffff:10.0.0.1]/hook',
    // Issue 18 review: more spellings of the metadata service and of private ranges.
    'https://[0:0:0:0:0:ffff:169.254.169.254]/hook', // mapped, uncompressed
    'https://[::ffff:a9fe:a9fe]/hook', // mapped, hex groups
    'https://[::ffff:0:a9fe:a9fe]/hook', // IPv4-translated (::ffff:0:0/96)
    'https://[64:ff9b:1::a9fe:a9fe]/hook', // local-use NAT64 (RFC 8215)
    'https://[::a9fe:a9fe]/hook', // IPv4-compatible
    'https://0251.0376.0251.0376/hook', // octal 169.254.169.254
    'https://2852039166/hook', // decimal 169.254.169.254
    'https://169.254.169.254./hook', // trailing dot
    'https://[fe80::1%25eth0]/hook', // zone id
    'https://[fd00:ec2::254]/hook', // EC2's IPv6 metadata endpoint (fd00::/8)
    'https://100.100.100.200/hook', // Alibaba Cloud metadata (CGNAT range)
    'https://0/hook', // 0.0.0.0 short form
    'https://[64:ff9b::a00:1]/hook', // NAT64
    'https://[::127.0.0.1]/hook', // IPv4-compatible
    'https://[2001:db8::1]/hook', // documentation
    'https://[2002:7f00:1::1]/hook', // 6to4 embedding 127.0.0.1
    'https://internal.example.com/hook', // hostname resolving to a private address
    'https://mixed.example.com/hook', // one private address is enough
    'https://metadata.example.com/hook',
    'https://mapped.example.com/hook',
    'https://ula.example.com/hook',
    'https://nxdomain.example.com/hook',
    'https://user:pass@hooks.example.com/hook', // userinfo
    'http://hooks.example.com/hook', // plain http in production
    'ftp://hooks.example.com/hook',
    'file:///etc/passwd',
    'not a url',
  ]
  it.each(blocked)('%s', async (url) => {
    const err = await assertSafeWebhookUrl(url, strict).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Error)
    expect((err as Error).message).toBe(BLOCKED_URL_MESSAGE)
    expect((err as { code?: string }).code).toBe('validation_failed')
  })

  it('accepts public addresses and names', async () => {
    for (const url of [
      'https://hooks.example.com/hook',
      'https://v6.example.com/x',
      'https://93.184.215.14/x',
      'https://[2606:4700::1111]/x',
      'https://[::ffff:8.8.8.8]/x',
    ]) {
      await expect(assertSafeWebhookUrl(url, strict)).resolves.toBeTruthy()
    }
  })

  it('allows private targets only when the operator setting says so', async () => {
    await expect(
      assertSafeWebhookUrl('http://127.0.0.1:8080/x', { ...strict, allowPrivate: true, requireHttps: false }),
    ).resolves.toBeTruthy()
  })

  it('classifies addresses numerically', () => {
    expect(isGlobalUnicast('8.8.8.8')).toBe(true)
    expect(isGlobalUnicast('172.32.0.1')).toBe(true)
    expect(isGlobalUnicast('172.15.255.255')).toBe(true)
    expect(isGlobalUnicast('100.128.0.1')).toBe(true)
    expect(isGlobalUnicast('::ffff:8.8.8.8')).toBe(true)
    expect(isGlobalUnicast('0:0:0:0:0:ffff:7f00:1')).toBe(false)
    expect(isGlobalUnicast('fe80::1%eth0')).toBe(false)
  })
})

describe('SSRF guard at send time', () => {
  let target: Server
  let redirector: Server
  let hits = 0
  let targetPort = 0
  let redirectPort = 0
  beforeAll(async () => {
    target = createServer((_req, res) => {
      hits++
      res.end('internal secret')
    })
    redirector = createServer((_req, res) => {
      res.writeHead(302, { location: `http://127.0.0.1:${targetPort}/admin` }).end()
    })
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r))
    await new Promise<void>((r) => redirector.listen(0, '127.0.0.1', r))
    targetPort = (target.address() as AddressInfo).port
    redirectPort = (redirector.address() as AddressInfo).port
  })
  afterAll(() => {
    target.close()
    redirector.close()
  })

  const notification: AlertNotification = {
    id: 'n1',
    tenantId: '00000000-0000-4000-8000-000000000001',
    ruleId: '00000000-0000-4000-8000-000000000002',
    ruleName: 'r',
    ruleKind: 'metric_threshold',
    fingerprint: 'fp',
    status: 'firing',
    oneShot: false,
    severity: 'warning',
    summary: 's',
    labels: {},
    annotations: {},
    value: 1,
    startsAt: new Date().toISOString(),
    endsAt: null,
    endpointIds: [],
  }
  const endpoint = (url: string): ResolvedEndpoint => ({
    id: 'e',
    tenantId: notification.tenantId,
    format: 'standard',
    url,
    secrets: [generateWebhookSecret()],
  })
  const ctx = { msgId: 'msg_1', timestampSec: 1, eventType: 'alert.firing', externalUrl: 'http://x' }
  const policy = { timeoutMs: 2000, maxResponseExcerptBytes: 64 }

  it('DNS rebinding: a name that was public at save time but resolves to loopback at send time is refused', async () => {
    let calls = 0
    // First answer public (the save-time check), then loopback (the attacker flips the record).
    const rebinding: Resolver = async () => [
      { address: calls++ === 0 ? '93.184.215.14' : '127.0.0.1', family: 4 },
    ]
    const p: UrlPolicy = { allowPrivate: false, requireHttps: false, resolver: rebinding }
    await assertSafeWebhookUrl(`http://rebind.example.com:${targetPort}/`, p)
    const dispatcher = createWebhookDispatcher(p)
    const r = await sendDelivery(
      buildDelivery(endpoint(`http://rebind.example.com:${targetPort}/`), notification, ctx),
      {
        dispatcher,
        urlPolicy: p,
        policy,
      },
    )
    await dispatcher.close()
    expect(r.outcome).toBe('retry')
    expect(r.error).toBe('blocked')
    expect(hits).toBe(0)
  })

  it('the pinned lookup refuses loopback even when the URL check is bypassed by a rebinding resolver', async () => {
    // Resolver answers public for the pre-check and loopback for the dispatcher's own lookup.
    let calls = 0
    const rebinding: Resolver = async () => [
      { address: calls++ % 2 === 0 ? '93.184.215.14' : '127.0.0.1', family: 4 },
    ]
    const p: UrlPolicy = { allowPrivate: false, requireHttps: false, resolver: rebinding }
    const dispatcher = createWebhookDispatcher(p)
    const r = await sendDelivery(
      buildDelivery(endpoint(`http://rebind2.example.com:${targetPort}/`), notification, ctx),
      {
        dispatcher,
        urlPolicy: p,
        policy,
      },
    )
    await dispatcher.close()
    expect(r.error).toBe('blocked')
    expect(hits).toBe(0)
  })

  it('a redirect to a private address is not followed (even when the first hop is allowed)', async () => {
    const p: UrlPolicy = { allowPrivate: true, requireHttps: false, resolver: dns }
    const dispatcher = createWebhookDispatcher(p)
    const r = await sendDelivery(
      buildDelivery(endpoint(`http://127.0.0.1:${redirectPort}/`), notification, ctx),
      {
        dispatcher,
        urlPolicy: p,
        policy,
      },
    )
    await dispatcher.close()
    expect(r.outcome).toBe('retry')
    expect(r.statusCode).toBe(302)
    expect(hits).toBe(0)
  })

  it('a private IP literal is refused at send time without a connection', async () => {
    const dispatcher = createWebhookDispatcher(strict)
    const r = await sendDelivery(
      buildDelivery(endpoint(`https://127.0.0.1:${targetPort}/`), notification, ctx),
      {
        dispatcher,
        urlPolicy: strict,
        policy,
      },
    )
    await dispatcher.close()
    expect(r.error).toBe('blocked')
    expect(hits).toBe(0)
  })

  it('caps the response excerpt', async () => {
    const p: UrlPolicy = { allowPrivate: true, requireHttps: false, resolver: dns }
    const dispatcher = createWebhookDispatcher(p)
    const r = await sendDelivery(
      buildDelivery(endpoint(`http://127.0.0.1:${targetPort}/`), notification, ctx),
      {
        dispatcher,
        urlPolicy: p,
        policy: { timeoutMs: 2000, maxResponseExcerptBytes: 8 },
      },
    )
    await dispatcher.close()
    expect(r.outcome).toBe('success')
    expect(r.excerpt).toBe('internal')
    hits = 0
  })
})
