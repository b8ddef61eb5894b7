/**
 * Per-account login lockout with exponential delay (OWASP): after FREE_ATTEMPTS failures an e-mail is
 * locked for BASE_MS · 2^(extra failures), capped at MAX_MS. Complements better-auth's per-IP rate
 * limit (which an attacker spreading over IPs avoids). In memory: one web process per deployment
 * today; move to Redis when the web tier scales out.
 */
const FREE_ATTEMPTS = 5
const BASE_MS = 30_000
const MAX_MS = 15 * 60_000

interface Entry {
  fails: number
  lockedUntil: number
}

export class LoginLockout {
  private readonly entries = new Map<string, Entry>()
  constructor(private readonly now: () => number = Date.now) {}

  /** Milliseconds until `email` may try again (0 = now). */
  retryAfterMs(email: string): number {
    const e = this.entries.get(email.toLowerCase())
    return e ? Math.max(0, e.lockedUntil - this.now()) : 0
  }

  recordFailure(email: string): void {
    const key = email.toLowerCase()
    const e = this.entries.get(key) ?? { fails: 0, lockedUntil: 0 }
    e.fails++
    if (e.fails >= FREE_ATTEMPTS)
      e.lockedUntil = this.now() + Math.min(MAX_MS, BASE_MS * 2 ** (e.fails - FREE_ATTEMPTS))
    this.entries.set(key, e)
    if (this.entries.size > 100_000) this.entries.delete(this.entries.keys().next().value as string)
  }

  recordSuccess(email: string): void {
    this.entries.delete(email.toLowerCase())
  }
}
