/**
 * A bounded least-recently-used map for process-wide caches (SDK clients, credentials, identities).
 * A worker serves every tenant, so a cache keyed by credentials must not grow with the number of
 * tenants ever seen: the least recently used entry is dropped once `max` is reached.
 */
export class LruCache<K, V> {
  private readonly map = new Map<K, V>()
  constructor(readonly max: number) {
    if (!(max >= 1)) throw new RangeError('LruCache needs room for at least one entry')
  }

  get size(): number {
    return this.map.size
  }

  get(key: K): V | undefined {
    const v = this.map.get(key)
    if (v === undefined) return undefined
    // Map keeps insertion order: re-inserting makes this the most recently used entry.
    this.map.delete(key)
    this.map.set(key, v)
    return v
  }

  set(key: K, value: V): this {
    this.map.delete(key)
    this.map.set(key, value)
    while (this.map.size > this.max) {
      const oldest = this.map.keys().next()
      if (oldest.done) break
      this.map.delete(oldest.value)
    }
    return this
  }

  getOrCreate(key: K, make: () => V): V {
    const hit = this.get(key)
    if (hit !== undefined) return hit
    const v = make()
    this.set(key, v)
    return v
  }

  delete(key: K): boolean {
    return this.map.delete(key)
  }

  clear(): void {
    this.map.clear()
  }
}
