/**
 * ApiBudget shared by every worker process: one token bucket per key in Redis, updated by a Lua script
 * (atomic, uses Redis' clock so processes on different machines agree). Keys are the providers'
 * `cloud:account:region:api`; the limit per api comes from the providers' documented limits.
 */
import type { Redis } from 'ioredis'
import type { ApiBudget } from '@cms/providers'

export interface BucketLimit {
  capacity: number
  refillPerSecond: number
}

// Returns 0 when the tokens were taken, else the milliseconds to wait before trying again.
const TAKE = `
local cap = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(b[1]) or cap
local ts = tonumber(b[2]) or now
tokens = math.min(cap, tokens + math.max(0, now - ts) / 1000 * rate)
if cost > cap then cost = cap end
local wait = 0
if tokens >= cost then
  tokens = tokens - cost
else
  wait = math.ceil((cost - tokens) / rate * 1000)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(cap / rate * 1000) + 1000)
return wait
`

type WithTake = Redis & {
  cmsBudgetTake(key: string, cap: number, rate: number, cost: number): Promise<number>
}

export class RedisBudget implements ApiBudget {
  private readonly redis: WithTake
  constructor(
    redis: Redis,
    private readonly prefix: string,
    private readonly limitOf: (key: string) => BucketLimit,
    private readonly onWait?: (key: string, ms: number) => void,
  ) {
    if (!('cmsBudgetTake' in redis)) redis.defineCommand('cmsBudgetTake', { numberOfKeys: 1, lua: TAKE })
    this.redis = redis as WithTake
  }

  async take(key: string, cost = 1): Promise<void> {
    const { capacity, refillPerSecond } = this.limitOf(key)
    for (;;) {
      const wait = await this.redis.cmsBudgetTake(
        `${this.prefix}:budget:${key}`,
        capacity,
        refillPerSecond,
        cost,
      )
      if (wait <= 0) return
      this.onWait?.(key, wait)
      await new Promise((r) => setTimeout(r, Math.min(wait, 5_000)))
    }
  }
}
