/**
 * In-memory ApiBudget (token buckets per key) and keyed concurrency limits, for the CLI, tests and
 * single-process use. The scheduler injects a Redis-backed ApiBudget with the same key scheme.
 */
import type { ApiBudget } from '../contract'
import { limitForKey, type ApiLimit } from './limits'

interface Bucket {
  tokens: number
  updatedAt: number
  limit: ApiLimit
}

export class TokenBucketBudget implements ApiBudget {
  private readonly buckets = new Map<string, Bucket>()
  constructor(
    private readonly limitOf: (key: string) => ApiLimit = limitForKey,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  async take(key: string, cost = 1): Promise<void> {
    for (;;) {
      const wait = this.tryTake(key, cost)
      if (wait <= 0) return
      await sleep(wait)
    }
  }

  /** Takes the tokens and returns 0, or returns the ms to wait before trying again. */
  tryTake(key: string, cost = 1): number {
    const now = this.clock()
    let b = this.buckets.get(key)
    if (!b) {
      const limit = this.limitOf(key)
      b = { tokens: limit.capacity, updatedAt: now, limit }
      this.buckets.set(key, b)
    }
    b.tokens = Math.min(b.limit.capacity, b.tokens + ((now - b.updatedAt) / 1000) * b.limit.refillPerSecond)
    b.updatedAt = now
    // A cost above capacity could never be served; let it through once the bucket is full.
    const need = Math.min(cost, b.limit.capacity)
    if (b.tokens >= need) {
      b.tokens -= need
      return 0
    }
    return Math.max(1, ((need - b.tokens) / b.limit.refillPerSecond) * 1000)
  }
}

/** A counting semaphore per key: at most `limit.concurrency` calls in flight per account+region+API. */
export class KeyedConcurrency {
  private readonly slots = new Map<string, { active: number; queue: Array<() => void> }>()
  constructor(private readonly limitOf: (key: string) => ApiLimit = limitForKey) {}

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    let s = this.slots.get(key)
    if (!s) {
      s = { active: 0, queue: [] }
      this.slots.set(key, s)
    }
    const max = this.limitOf(key).concurrency
    const slot = s
    // A released slot is handed straight to the next waiter, so no newcomer can overtake it.
    if (slot.active >= max) await new Promise<void>((resolve) => slot.queue.push(resolve))
    else slot.active += 1
    try {
      return await fn()
    } finally {
      const next = slot.queue.shift()
      if (next) next()
      else {
        slot.active -= 1
        if (slot.active === 0) this.slots.delete(key)
      }
    }
  }
}

export const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(t)
      reject(signal?.reason)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })

/** Process-wide defaults used when the caller injects none (CLI, tests). */
export const defaultBudget = new TokenBucketBudget()
export const defaultConcurrency = new KeyedConcurrency()
