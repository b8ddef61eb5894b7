/**
 * The client address every limit is keyed on (better-auth's per-IP rate limits, logs), decided once at
 * the edge from the TCP peer and the configured trusted proxies (`CMS_TRUSTED_PROXIES`, none by default):
 *
 *  - a peer that is not a trusted proxy is the client, whatever `x-forwarded-for` it sends;
 *  - behind trusted proxies, `x-forwarded-for` is read from the right (each proxy appends the address it
 *    saw), skipping trusted hops; the first untrusted address is the client. Entries left of it were
 *    written by the client and are ignored.
 *
 * The result replaces the request's `x-forwarded-for` (one address), which is what better-auth and the
 * route handlers read. `next start` cannot do this: Next keeps a client's `x-forwarded-for` and only adds
 * the peer when the header is missing, and route handlers never see the socket. So production runs
 * `apps/web/server.ts` (Next's documented custom server), which calls `forwardClientAddress` first.
 *
 * Trust lists use node:net's BlockList (subnet matching for both families) rather than hand-rolled CIDR
 * arithmetic; IPv4-mapped IPv6 peers (`::ffff:10.0.0.1`, how a dual-stack socket reports IPv4) are
 * compared as IPv4.
 */
import { BlockList, isIP } from 'node:net'
import type { IncomingHttpHeaders } from 'node:http'

export interface TrustedProxies {
  readonly list: BlockList
  readonly empty: boolean
}

/** `::ffff:a.b.c.d` → `a.b.c.d`; anything else unchanged (trimmed, brackets and zone dropped). */
export function normalizeAddress(a: string): string {
  let s = a.trim()
  if (s.startsWith('[') && s.includes(']')) s = s.slice(1, s.indexOf(']'))
  const zone = s.indexOf('%')
  if (zone > 0) s = s.slice(0, zone)
  const m = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(s)
  return m ? m[1]! : s.toLowerCase()
}

/** Parses "10.0.0.0/8, 192.168.1.7, fd00::/8" (the config value). Throws on an entry that is not an IP or CIDR. */
export function parseTrustedProxies(spec: string | undefined): TrustedProxies {
  const list = new BlockList()
  let n = 0
  for (const raw of (spec ?? '').split(',')) {
    const entry = raw.trim()
    if (!entry) continue
    const [addr = '', bits] = entry.split('/')
    const ip = normalizeAddress(addr)
    const family = isIP(ip)
    const prefix = bits === undefined ? (family === 6 ? 128 : 32) : Number(bits)
    if (!family || !/^\d*$/.test(bits ?? '') || prefix > (family === 6 ? 128 : 32))
      throw new Error(`CMS_TRUSTED_PROXIES: "${entry}" is not an IP address or CIDR range`)
    list.addSubnet(ip, prefix, family === 6 ? 'ipv6' : 'ipv4')
    n++
  }
  return { list, empty: n === 0 }
}

function trusted(t: TrustedProxies, a: string): boolean {
  const f = isIP(a)
  return f !== 0 && t.list.check(a, f === 6 ? 'ipv6' : 'ipv4')
}

/** The client's address for a request from `peer` carrying `forwardedFor` (the raw header, possibly repeated). */
export function clientAddress(
  peer: string | undefined,
  forwardedFor: string | string[] | undefined,
  proxies: TrustedProxies,
): string {
  let client = normalizeAddress(peer ?? '')
  if (!client || proxies.empty || !trusted(proxies, client)) return client || 'unknown'
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : (forwardedFor ?? ''))
    .split(',')
    .map(normalizeAddress)
    .filter(Boolean)
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!
    // Not an address: written by whoever is left of the last trusted hop; that hop's peer is the answer.
    if (!isIP(hop)) return client
    client = hop
    if (!trusted(proxies, hop)) return hop
  }
  return client
}

/** Rewrites `x-forwarded-for` to the one resolved client address (called by the server before Next sees the request). */
export function forwardClientAddress(
  headers: IncomingHttpHeaders,
  peer: string | undefined,
  proxies: TrustedProxies,
): string {
  const client = clientAddress(peer, headers['x-forwarded-for'], proxies)
  headers['x-forwarded-for'] = client
  delete headers['x-real-ip']
  return client
}
