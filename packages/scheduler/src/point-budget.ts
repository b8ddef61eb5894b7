/**
 * How many metric points one worker process holds in memory at once. Each metrics.fetch job asks for
 * its estimate (series × periods in its window) before calling the cloud and gives it back once its
 * points are written; jobs beyond the budget wait their turn (FIFO) instead of all backfilling at once.
 * A job bigger than the whole budget runs alone. This bounds the worker's peak memory by the budget,
 * not by the estate's size or the queue's concurrency, without changing how the cloud is called.
 */
export class PointBudget {
  private inUse = 0
  private readonly waiting: Array<{ n: number; grant: () => void }> = []

  constructor(readonly capacity: number) {}

  get used(): number {
    return this.inUse
  }

  /** Resolves with a release function once `n` points (capped at the capacity) fit. */
  async acquire(n: number, signal?: AbortSignal): Promise<() => void> {
    const want = Math.max(1, Math.min(Math.ceil(n), this.capacity))
    if (this.waiting.length === 0 && this.fits(want)) return this.take(want)
    signal?.throwIfAborted()
    return new Promise<() => void>((resolve, reject) => {
      const entry = {
        n: want,
        grant: () => {
          signal?.removeEventListener('abort', onAbort)
          resolve(this.take(want))
        },
      }
      const onAbort = () => {
        const i = this.waiting.indexOf(entry)
        if (i >= 0) this.waiting.splice(i, 1)
        reject(signal!.reason instanceof Error ? signal!.reason : new Error('aborted'))
        this.drain()
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.waiting.push(entry)
    })
  }

  private fits(n: number): boolean {
    return this.inUse === 0 || this.inUse + n <= this.capacity
  }

  private take(n: number): () => void {
    this.inUse += n
    let released = false
    return () => {
      if (released) return
      released = true
      this.inUse -= n
      this.drain()
    }
  }

  private drain(): void {
    while (this.waiting.length > 0 && this.fits(this.waiting[0]!.n)) this.waiting.shift()!.grant()
  }
}
