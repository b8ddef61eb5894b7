import { describe, expect, it } from 'vitest'
import { PointBudget } from './point-budget'

describe('PointBudget', () => {
  it('admits jobs while they fit, queues the rest in order, and lets an oversized job run alone', async () => {
    const b = new PointBudget(100)
    const order: string[] = []
    const r1 = await b.acquire(60)
    const p2 = b.acquire(50).then((r) => (order.push('second'), r))
    const p3 = b.acquire(500).then((r) => (order.push('huge'), r)) // capped at 100: runs alone
    const p4 = b.acquire(10).then((r) => (order.push('small'), r)) // fits now, but waits its turn (FIFO)
    await new Promise((r) => setTimeout(r, 5))
    expect(order).toEqual([])
    expect(b.used).toBe(60)
    r1()
    const r2 = await p2
    expect(order).toEqual(['second'])
    expect(b.used).toBe(50)
    r2()
    const r3 = await p3
    expect(b.used).toBe(100)
    expect(order).toEqual(['second', 'huge'])
    r3()
    r3() // releasing twice is harmless
    const r4 = await p4
    expect(b.used).toBe(10)
    r4()
    expect(b.used).toBe(0)
  })

  it('an aborted waiter leaves the queue and the next one proceeds', async () => {
    const b = new PointBudget(10)
    const r1 = await b.acquire(10)
    const ac = new AbortController()
    const p2 = b.acquire(10, ac.signal)
    const p3 = b.acquire(5)
    ac.abort(new Error('job cancelled'))
    await expect(p2).rejects.toThrow('job cancelled')
    r1()
    const r3 = await p3
    expect(b.used).toBe(5)
    r3()
  })
})
