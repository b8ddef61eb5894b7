/** Metric windows: aligned to the period, held back by the convergence delay, re-reading the last periods. */
import type { MetricWindow } from '../contract'

export interface AlignedWindow {
  start: Date
  end: Date
  /** Number of periods in [start, end). */
  periods: number
}

/**
 * start = floor(from) − reread periods (the last periods of the previous poll had not converged);
 * end = floor(min(to, now − delay)). Both on period boundaries so every poll asks for the same buckets
 * (YACE / cloudwatch_exporter do the same). Null when nothing in the window has converged yet.
 * A provisional window ends at min(to, now) rounded up: the period in progress is asked for too.
 * An exact window (the caller re-reads itself) starts at floor(from).
 */
export function alignWindow(
  w: MetricWindow,
  periodSeconds: number,
  delaySeconds: number,
  now: Date,
  rereadPeriods = 2,
): AlignedWindow | null {
  const p = periodSeconds * 1000
  // Provisional: up to `to` (and the period in progress), not held back by the convergence delay.
  const endLimit = Math.min(w.to.getTime(), now.getTime() - (w.provisional ? 0 : delaySeconds * 1000))
  const end = (w.provisional ? Math.ceil : Math.floor)(endLimit / p) * p
  const start = Math.floor(w.from.getTime() / p) * p - (w.exact ? 0 : rereadPeriods) * p
  if (end <= start) return null
  return { start: new Date(start), end: new Date(end), periods: (end - start) / p }
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (size < 1) throw new Error('chunk size must be ≥ 1')
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/** Group by a string key, keeping first-seen order. */
export function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>()
  for (const it of items) {
    const k = key(it)
    const g = m.get(k)
    if (g) g.push(it)
    else m.set(k, [it])
  }
  return m
}

/** Run `fn` over items with at most `limit` in flight, results in input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (t: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i] as T, i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return out
}

export function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10)
}

export function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`)
  d.setUTCDate(d.getUTCDate() + n)
  return isoDay(d)
}

/** One row per (day, service, region, currency): an account spanning several projects/subscriptions reports their sum. */
export function sumCostRows<
  T extends {
    day: string
    service: string
    region: string
    currency: string
    amount: number
    estimated: boolean
  },
>(rows: readonly T[]): T[] {
  const m = new Map<string, T>()
  for (const r of rows) {
    const k = `${r.day}|${r.service}|${r.region}|${r.currency}`
    const cur = m.get(k)
    if (!cur) m.set(k, { ...r })
    else {
      cur.amount = Math.round((cur.amount + r.amount) * 1e6) / 1e6
      cur.estimated = cur.estimated || r.estimated
    }
  }
  return [...m.values()].sort((a, b) =>
    (a.day + a.service + a.region).localeCompare(b.day + b.service + b.region),
  )
}
