import { afterAll, expect, it } from 'vitest'
import { Redis } from 'ioredis'
import { RedisBudget } from './budget'
import { uniquePrefix } from './testing/harness'

const a = new Redis('redis://127.0.0.1:6379')
const b = new Redis('redis://127.0.0.1:6379')
afterAll(async () => {
  await a.quit()
  await b.quit()
})

it('shares one token bucket across processes (two clients, one key)', async () => {
  const prefix = `{${uniquePrefix()}}`
  const limit = () => ({ capacity: 5, refillPerSecond: 10 })
  const one = new RedisBudget(a, prefix, limit)
  const two = new RedisBudget(b, prefix, limit)
  const start = Date.now()
  // 25 calls: 5 from the burst, 20 at 10/s → ≥ ~2 s no matter how they are spread over the two clients.
  await Promise.all(
    Array.from({ length: 25 }, (_, i) => (i % 2 ? one : two).take('aws:123456789012:us-east-1:cloudwatch')),
  )
  const elapsed = Date.now() - start
  expect(elapsed).toBeGreaterThanOrEqual(1800)
  expect(elapsed).toBeLessThan(6000)
  // Other keys (another account) are not slowed by it.
  const t0 = Date.now()
  await one.take('aws:210987654321:us-east-1:cloudwatch')
  expect(Date.now() - t0).toBeLessThan(200)
  await a.del(
    `${prefix}:budget:aws:123456789012:us-east-1:cloudwatch`,
    `${prefix}:budget:aws:210987654321:us-east-1:cloudwatch`,
  )
})
