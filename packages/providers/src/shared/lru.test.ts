import { describe, expect, it } from 'vitest'
import { LruCache } from './lru'

describe('LruCache', () => {
  it('drops the least recently used entry beyond its size', () => {
    const c = new LruCache<string, number>(2)
    c.set('a', 1).set('b', 2)
    expect(c.get('a')).toBe(1) // a is now the most recent
    c.set('c', 3)
    expect(c.get('b')).toBeUndefined()
    expect([c.get('a'), c.get('c'), c.size]).toEqual([1, 3, 2])
  })

  it('getOrCreate builds once per key', () => {
    const c = new LruCache<string, object>(4)
    let made = 0
    const a = c.getOrCreate('k', () => (made++, {}))
    expect(c.getOrCreate('k', () => (made++, {}))).toBe(a)
    expect(made).toBe(1)
  })
})
