/**
 * Deterministic 32-bit hashing. Every "random" number in the simulated world comes from here, so the
 * same seed always yields the same world and the same metric values (tests assert exact numbers).
 */

/** FNV-1a over a string, finished with a murmur3 avalanche so close strings land far apart. */
export function hashString(s: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return fmix(h)
}

/**
 * hashString(`${a}\u0000${b}`, seed) without building the string (FNV-1a is sequential, so hashing the
 * parts in turn is the same computation); the metric hot path derives a series seed per query.
 */
export function hashPair(a: string, b: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0
  for (let i = 0; i < a.length; i++) {
    h ^= a.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  h = Math.imul(h, 0x01000193) // the separator: h ^= 0 leaves h as it is
  for (let i = 0; i < b.length; i++) {
    h ^= b.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return fmix(h)
}

/** murmur3 finalizer: a cheap bijective mix of 32 bits. */
export function fmix(x: number): number {
  let h = x >>> 0
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** Mix two 32-bit values (e.g. a per-series seed and a minute index). */
export function hash2(a: number, b: number): number {
  return fmix((a ^ Math.imul(b >>> 0, 0x9e3779b1)) + Math.imul((b >>> 0) ^ 0x5bd1e995, 0x27d4eb2f))
}

/** A uniform number in [0, 1) from a 32-bit hash. */
export function unit(h: number): number {
  return (h >>> 0) / 4294967296
}

/** A small seeded PRNG (mulberry32) for building scenarios in a fixed order. */
export class Rng {
  private state: number
  constructor(seed: number) {
    this.state = seed >>> 0
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0
    let t = this.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  int(lo: number, hiExclusive: number): number {
    return lo + Math.floor(this.next() * (hiExclusive - lo))
  }
  pick<T>(xs: readonly T[]): T {
    const v = xs[Math.floor(this.next() * xs.length)]
    if (v === undefined) throw new Error('pick from empty list')
    return v
  }
  hex(n: number): string {
    let s = ''
    while (s.length < n)
      s += Math.floor(this.next() * 4294967296)
        .toString(16)
        .padStart(8, '0')
    return s.slice(0, n)
  }
  /** Upper-case alphanumerics, the alphabet of AWS access key ids. */
  alnum(n: number): string {
    const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
    let s = ''
    for (let i = 0; i < n; i++) s += abc[Math.floor(this.next() * abc.length)]
    return s
  }
  digits(n: number): string {
    let s = String(1 + Math.floor(this.next() * 9))
    while (s.length < n) s += String(Math.floor(this.next() * 10))
    return s
  }
  guid(): string {
    const h = this.hex(32)
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`
  }
}
