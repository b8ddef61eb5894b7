/**
 * Per-account login lockout with exponential delay (OWASP): after FREE_ATTEMPTS failed sign-ins an
 * e-mail is locked for BASE_MS · 2^(extra failures), capped at MAX_MS. Complements better-auth's per-IP
 * rate limit (which an attacker spreading over IPs avoids).
 *
 * Shared by every web process through Redis (one hash per e-mail, keyed by its SHA-256 so Redis holds no
 * address list). The check and the count are one atomic step (`attempt`, a Lua script): an attempt is
 * counted before the password is checked and forgotten on success, so N concurrent guesses spread over N
 * processes cannot all pass a stale "not locked yet" read — the 6th is refused wherever it lands.
 */
import { createHash } from 'node:crypto'
import type { Redis } from 'ioredis'

export const FREE_ATTEMPTS = 5
const BASE_MS = 30_000
const MAX_MS = 15 * 60_000
/** Failures are forgotten this long after the last one (or when the lock ends, if later). */
const FORGET_MS = 15 * 60_000

// KEYS[1] the e-mail's hash; ARGV now, free attempts, base, max, forget. Returns ms to wait (0 = go, counted).
const ATTEMPT = `
local locked = tonumber(redis.call('HGET', KEYS[1], 'lockedUntil') or '0')
local now = tonumber(ARGV[1])
if locked > now then return locked - now end
local fails = redis.call('HINCRBY', KEYS[1], 'fails', 1)
local ttl = tonumber(ARGV[5])
if fails >= tonumber(ARGV[2]) then
  local d = math.min(tonumber(ARGV[4]), tonumber(ARGV[3]) * 2 ^ (fails - tonumber(ARGV[2])))
  redis.call('HSET', KEYS[1], 'lockedUntil', now + d)
  ttl = math.max(ttl, d)
end
redis.call('PEXPIRE', KEYS[1], ttl)
return 0
`

export class LoginLockout {
  constructor(
    private readonly redis: () => Redis,
    /** Key prefix, hash-tagged like the queue keys (`{cms}`) so a Redis Cluster keeps it on one slot. */
    private readonly prefix: string,
    private readonly now: () => number = Date.now,
  ) {}

  private key(email: string): string {
    const h = createHash('sha256').update(email.trim().toLowerCase()).digest('hex')
    return `${this.prefix}:auth:lockout:${h}`
  }

  /**
   * One sign-in attempt for `email`: 0 when it may go ahead (and it is counted as a failure until
   * `recordSuccess`), otherwise the milliseconds until the lock ends (nothing counted).
   */
  async attempt(email: string): Promise<number> {
    const r = await this.redis().eval(
      ATTEMPT,
      1,
      this.key(email),
      this.now(),
      FREE_ATTEMPTS,
      BASE_MS,
      MAX_MS,
      FORGET_MS,
    )
    return Number(r)
  }

  /** Milliseconds until `email` may try again (0 = now), without counting anything. */
  async retryAfterMs(email: string): Promise<number> {
    const locked = Number((await this.redis().hget(this.key(email), 'lockedUntil')) ?? 0)
    return Math.max(0, locked - this.now())
  }

  /** A successful sign-in forgets the e-mail's failures. */
  async recordSuccess(email: string): Promise<void> {
    await this.redis().del(this.key(email))
  }
}
