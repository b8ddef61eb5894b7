/**
 * better-auth's rate limiter on Redis (its `rateLimit.customStorage`), so every web process behind the
 * load balancer counts against the same window. better-auth's own "secondary-storage" mode would do the
 * counting too, but configuring a `secondaryStorage` also moves sessions out of PostgreSQL into it —
 * sessions stay rows here (hashed tokens, see session-token-hash.ts), so only the limiter is moved.
 *
 * Fixed window per key (client address + path, built by better-auth): the first request starts the
 * window, INCR and PEXPIRE in one script so concurrent requests on several processes cannot both be the
 * "first" or both slip under `max`.
 */
import type { BetterAuthRateLimitStorage } from 'better-auth'
import type { Redis } from 'ioredis'

// KEYS[1] counter; ARGV window ms. Returns { count, ms left in the window }.
const CONSUME = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return { n, ttl }
`

export function redisRateLimitStorage(redis: () => Redis, prefix: string): BetterAuthRateLimitStorage {
  return {
    async consume(key, rule) {
      const [count, ttl] = (await redis().eval(
        CONSUME,
        1,
        `${prefix}:auth:rl:${key}`,
        rule.window * 1000,
      )) as [number, number]
      if (count <= rule.max) return { allowed: true, retryAfter: null }
      return { allowed: false, retryAfter: Math.max(1, Math.ceil(ttl / 1000)) }
    },
  }
}
