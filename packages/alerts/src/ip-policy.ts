/**
 * Which IP addresses a tenant's webhook may reach: only global unicast. Everything else (loopback,
 * private, link-local incl. cloud metadata 169.254.169.254, CGNAT, documentation, benchmarking,
 * multicast, reserved, and IPv6 forms that embed or translate to IPv4) is refused.
 *
 * The checks work on numbers, not strings, so every spelling of an address (decimal, hex, octal,
 * compressed IPv6, IPv4-mapped) lands on the same verdict once parsed.
 */
import { isIPv4, isIPv6 } from 'node:net'

const V4_BLOCKED: ReadonlyArray<readonly [string, number]> = [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // TEST-NET-1
  ['192.88.99.0', 24], // 6to4 relay anycast (deprecated)
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // TEST-NET-2
  ['203.0.113.0', 24], // TEST-NET-3
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved + broadcast
]

function v4ToInt(addr: string): number {
  const p = addr.split('.').map(Number)
  return (((p[0]! << 24) >>> 0) + (p[1]! << 16) + (p[2]! << 8) + p[3]!) >>> 0
}

const V4_RANGES = V4_BLOCKED.map(([base, bits]) => {
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0
  return { net: (v4ToInt(base) & mask) >>> 0, mask }
})

function isGlobalV4Int(n: number): boolean {
  return !V4_RANGES.some((r) => (n & r.mask) >>> 0 === r.net)
}

/** Expand an IPv6 literal (may end in dotted IPv4, may carry a %zone) into 8 16-bit groups. */
export function parseIPv6(addr: string): number[] | undefined {
  let a = addr.replace(/^\[|\]$/g, '')
  if (a.includes('%')) return undefined // zone ids only make sense for link-local: never allowed
  if (!isIPv6(a)) return undefined
  const tail: number[] = []
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(a)
  if (dotted) {
    const n = v4ToInt(dotted[1]!)
    tail.push(n >>> 16, n & 0xffff)
    a = a.slice(0, -dotted[1]!.length) + '0:0'
  }
  const [head, rest] = a.includes('::') ? a.split('::') : [a, undefined]
  const h = head ? head.split(':').filter((x) => x !== '') : []
  const r = rest !== undefined && rest !== '' ? rest.split(':') : []
  const missing = 8 - h.length - r.length
  const groups = [...h, ...Array<string>(rest === undefined ? 0 : missing).fill('0'), ...r].map((g) =>
    parseInt(g, 16),
  )
  if (groups.length !== 8 || groups.some((g) => Number.isNaN(g))) return undefined
  if (dotted) {
    groups[6] = tail[0]!
    groups[7] = tail[1]!
  }
  return groups
}

function isGlobalV6(g: number[]): boolean {
  const [g0, g1, g2, g3, g4, g5, g6, g7] = g as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ]
  // ::ffff:a.b.c.d (IPv4-mapped): the socket really goes to the embedded IPv4 address.
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0xffff) {
    return isGlobalV4Int(((g6 << 16) >>> 0) + g7)
  }
  // Only 2000::/3 is global unicast; this also rules out ::, ::1, ::/96 (IPv4-compatible),
  // 64:ff9b::/96 (NAT64), fc00::/7 (ULA), fe80::/10 (link-local) and ff00::/8 (multicast).
  if ((g0 & 0xe000) !== 0x2000) return false
  if (g0 === 0x2001 && g1 === 0x0db8) return false // documentation
  if (g0 === 0x2001 && g1 < 0x0200) return false // 2001::/23 IETF protocol assignments (incl. Teredo)
  if (g0 === 0x2002) return false // 6to4: embeds an arbitrary IPv4 address
  if (g0 === 0x3fff && g1 < 0x1000) return false // 3fff::/20 documentation
  return true
}

/** True only for a global unicast address (IPv4 or IPv6, any standard spelling Node accepts). */
export function isGlobalUnicast(address: string): boolean {
  if (isIPv4(address)) return isGlobalV4Int(v4ToInt(address))
  const g = parseIPv6(address)
  return g ? isGlobalV6(g) : false
}
