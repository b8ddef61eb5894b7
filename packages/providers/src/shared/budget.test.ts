import { describe, expect, it } from 'vitest'
import { KeyedConcurrency, TokenBucketBudget } from './budget'
import { DailyCap } from './daily-cap'
import { budgetKey, limitForKey } from './limits'

describe('TokenBucketBudget', () => {
  it('allows the burst, then refills at the documented rate', () => {
    let t = 0
    const b = new TokenBucketBudget(
      () => ({ capacity: 3, refillPerSecond: 2, concurrency: 1 }),
      () => t,
    )
    expect([b.tryTake('k'), b.tryTake('k'), b.tryTake('k')]).toEqual([0, 0, 0])
    expect(b.tryTake('k')).toBeCloseTo(500)
    t = 500
    expect(b.tryTake('k')).toBe(0)
    expect(b.tryTake('other')).toBe(0)
  })

  it('sizes buckets from the API in the key', () => {
    expect(limitForKey(budgetKey('aws', '123', 'us-east-1', 'ec2'))).toMatchObject({
      capacity: 100,
      refillPerSecond: 20,
    })
    expect(limitForKey(budgetKey('azure', 'sub', 'eastus', 'azure.arm'))).toMatchObject({
      capacity: 250,
      refillPerSecond: 25,
    })
  })
})

describe('KeyedConcurrency', () => {
  it('never runs more than the cap per key', async () => {
    const c = new KeyedConcurrency(() => ({ capacity: 1, refillPerSecond: 1, concurrency: 2 }))
    let active = 0
    let peak = 0
    await Promise.all(
      Array.from({ length: 10 }, () =>
        c.run('k', async () => {
          active++
          peak = Math.max(peak, active)
          await new Promise((r) => setTimeout(r, 5))
          active--
        }),
      ),
    )
    expect(peak).toBe(2)
  })
})

describe('DailyCap', () => {
  it('refuses past the cap within 24 h and frees up after', () => {
    const cap = new DailyCap(3)
    expect(cap.tryReserve('a', 2, 0)).toBe(true)
    expect(cap.tryReserve('a', 2, 1000)).toBe(false)
    expect(cap.tryReserve('a', 1, 1000)).toBe(true)
    expect(cap.tryReserve('b', 3, 1000)).toBe(true)
    expect(cap.tryReserve('a', 2, 86_400_500)).toBe(true)
  })
})
