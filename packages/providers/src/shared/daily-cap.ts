/**
 * A rolling 24-hour cap on calls that cost money per request (Cost Explorer: $0.01 each). The data
 * refreshes at most 3×/day, so more than a few requests per account per day is waste; above the cap we
 * refuse instead of waiting (the scheduler simply tries again on its next run).
 */
export class DailyCap {
  private readonly log = new Map<string, number[]>()
  constructor(private readonly max: number) {}

  /** Reserve `n` requests for `key`; false when that would exceed the cap. */
  tryReserve(key: string, n: number, now = Date.now()): boolean {
    const since = now - 86_400_000
    const list = (this.log.get(key) ?? []).filter((t) => t > since)
    if (list.length + n > this.max) {
      this.log.set(key, list)
      return false
    }
    for (let i = 0; i < n; i++) list.push(now)
    this.log.set(key, list)
    return true
  }
}
