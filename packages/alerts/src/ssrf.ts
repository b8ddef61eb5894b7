/**
 * SSRF guard for tenant-supplied webhook URLs (OWASP SSRF case 2: the URL is user input).
 *
 * Two layers, both required:
 *  1. `assertSafeWebhookUrl` when an endpoint is saved (and again before each send): scheme, no
 *     userinfo, https in production, and every A/AAAA address of the host must be global unicast.
 *  2. `createWebhookDispatcher`: an undici Agent whose `connect.lookup` resolves, checks and hands the
 *     socket exactly the addresses it checked. A host that re-resolves to 127.0.0.1 between the save-time
 *     check and the connect (DNS rebinding) is refused at connect time.
 * Redirects are never followed (undici `request` does not follow them), so a 30x to an internal address
 * is just a failed attempt. Every refusal carries the same generic message: an attacker learns nothing
 * about which rule matched or what a name resolves to.
 */
import { lookup as dnsLookup } from 'node:dns/promises'
import { isIP, type LookupFunction } from 'node:net'
import { AppError, loadConfig } from '@cms/core'
import { Agent } from 'undici'
import { isGlobalUnicast } from './ip-policy'

export const BLOCKED_URL_MESSAGE = 'Webhook URL must be a publicly reachable http(s) URL'

export interface ResolvedAddress {
  address: string
  family: 4 | 6
}

/** Resolves a hostname to all of its A and AAAA addresses. Injectable for tests and custom DNS. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>

export const systemResolver: Resolver = async (hostname) => {
  const all = await dnsLookup(hostname, { all: true, verbatim: true })
  return all.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }))
}

export interface UrlPolicy {
  /** Allow loopback/private targets. Only for self-hosted installs and tests (CMS_WEBHOOK_ALLOW_PRIVATE). */
  allowPrivate: boolean
  /** Refuse plain http (production). */
  requireHttps: boolean
  resolver: Resolver
}

/** The policy from process configuration, with optional overrides (e.g. an injected resolver). */
export function urlPolicyFromConfig(overrides: Partial<UrlPolicy> = {}): UrlPolicy {
  const config = loadConfig()
  return {
    allowPrivate: config.CMS_WEBHOOK_ALLOW_PRIVATE,
    requireHttps: config.NODE_ENV === 'production',
    resolver: systemResolver,
    ...overrides,
  }
}

function blocked(): AppError {
  return new AppError('validation_failed', BLOCKED_URL_MESSAGE)
}

/** Host part without IPv6 brackets. */
function bareHost(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '')
}

async function resolveChecked(host: string, policy: UrlPolicy): Promise<ResolvedAddress[]> {
  const literal = isIP(host)
  let addresses: ResolvedAddress[]
  if (literal) {
    addresses = [{ address: host, family: literal === 6 ? 6 : 4 }]
  } else {
    // Numeric-looking names the URL parser did not turn into an IP (it already normalises decimal,
    // hex and octal IPv4) could still be read as an address by a resolver's inet_aton: refuse them.
    if (/^[0-9a-fx.]+$/i.test(host) && /^[0-9]/.test(host)) throw blocked()
    try {
      addresses = await policy.resolver(host)
    } catch {
      throw blocked()
    }
  }
  if (addresses.length === 0) throw blocked()
  // One bad address poisons the host: we cannot know which one a connection would use.
  if (!policy.allowPrivate && addresses.some((a) => !isGlobalUnicast(a.address))) throw blocked()
  return addresses
}

/**
 * Validate a webhook URL; returns the parsed URL and the addresses it resolved to. Throws
 * AppError('validation_failed', BLOCKED_URL_MESSAGE) for every kind of refusal.
 */
export async function assertSafeWebhookUrl(
  raw: string,
  policy: UrlPolicy,
): Promise<{ url: URL; addresses: ResolvedAddress[] }> {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw blocked()
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw blocked()
  if (policy.requireHttps && url.protocol !== 'https:') throw blocked()
  if (url.username !== '' || url.password !== '') throw blocked()
  if (url.hostname === '') throw blocked()
  const addresses = await resolveChecked(bareHost(url), policy)
  return { url, addresses }
}

/**
 * A net/tls `lookup` that resolves with the policy's resolver and passes on only checked addresses,
 * so the socket connects to what was validated (no second, unchecked resolution).
 */
export function pinnedLookup(policy: UrlPolicy): LookupFunction {
  return (hostname, options, callback) => {
    resolveChecked(hostname, policy).then(
      (addresses) => {
        const family = typeof options === 'object' ? options.family : undefined
        const wanted = family === 4 || family === 6 ? addresses.filter((a) => a.family === family) : addresses
        const list = wanted.length > 0 ? wanted : addresses
        if (typeof options === 'object' && options.all) {
          callback(null, list)
        } else {
          callback(null, list[0]!.address, list[0]!.family)
        }
      },
      (err: Error) => callback(Object.assign(err, { code: 'EBLOCKED' }) as NodeJS.ErrnoException, ''),
    )
  }
}

/** An undici dispatcher for webhook sends: pinned, checked DNS; bounded connect time. */
export function createWebhookDispatcher(policy: UrlPolicy, opts: { connectTimeoutMs?: number } = {}): Agent {
  return new Agent({
    connect: { lookup: pinnedLookup(policy), timeout: opts.connectTimeoutMs ?? 10_000 },
    // Webhook targets are many and mostly idle: don't hold sockets to them.
    keepAliveTimeout: 1_000,
  })
}
