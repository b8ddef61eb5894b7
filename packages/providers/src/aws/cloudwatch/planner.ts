/**
 * GetMetricData batching at the physical minimum (pure, no network). Series are grouped by
 * (period, delay) because one call has one window; each group's window is aligned to its period, held
 * back by the delay and extended back to re-read the last periods; then queries are packed ≤ 500 per
 * call and ≤ 100,800 datapoints per call (long backfills are cut into time slices).
 */
import type { MetricDefinition, MetricWindow } from '../../contract'
import { alignWindow, chunk, groupBy } from '../../shared/windows'

export const CLOUDWATCH_LIMITS = { maxQueries: 500, maxDatapoints: 100_800, rereadPeriods: 2 } as const
export type CloudWatchLimits = { maxQueries: number; maxDatapoints: number; rereadPeriods: number }

export interface CwSeries {
  nativeId: string
  namespace: string
  dimensions: Array<{ Name: string; Value: string }>
  def: MetricDefinition
}

export interface CwBatch {
  start: Date
  end: Date
  periodSeconds: number
  /** `id` is what GetMetricData echoes back: q0, q1, … (must start with a lower-case letter). */
  queries: Array<{ id: string; series: CwSeries }>
}

const seriesKey = (s: CwSeries) =>
  `${s.namespace}|${s.def.metric}|${s.def.stat}|${s.def.periodSeconds}|${s.dimensions.map((d) => `${d.Name}=${d.Value}`).join(',')}`

export function planGetMetricData(
  series: readonly CwSeries[],
  window: MetricWindow,
  now: Date,
  limits: CloudWatchLimits = CLOUDWATCH_LIMITS,
): CwBatch[] {
  const unique = [...new Map(series.map((s) => [seriesKey(s), s])).values()]
  const batches: CwBatch[] = []
  for (const group of groupBy(unique, (s) => `${s.def.periodSeconds}:${s.def.delaySeconds}`).values()) {
    const first = group[0]
    if (!first) continue
    const { periodSeconds, delaySeconds } = first.def
    const w = alignWindow(window, periodSeconds, delaySeconds, now, limits.rereadPeriods)
    if (!w) continue
    const slicePeriods = Math.min(w.periods, limits.maxDatapoints)
    const perCall = Math.max(1, Math.min(limits.maxQueries, Math.floor(limits.maxDatapoints / slicePeriods)))
    for (let t = w.start.getTime(); t < w.end.getTime(); t += slicePeriods * periodSeconds * 1000) {
      const start = new Date(t)
      const end = new Date(Math.min(w.end.getTime(), t + slicePeriods * periodSeconds * 1000))
      for (const part of chunk(group, perCall))
        batches.push({ start, end, periodSeconds, queries: part.map((s, i) => ({ id: `q${i}`, series: s })) })
    }
  }
  return batches
}

/** The physical minimum for n series of one (period, delay) and a window of `periods`: what the bench compares to. */
export function minimumGetMetricDataCalls(
  n: number,
  periods: number,
  limits: CloudWatchLimits = CLOUDWATCH_LIMITS,
): number {
  if (n === 0 || periods <= 0) return 0
  const slices = Math.ceil(periods / limits.maxDatapoints)
  const perCall = Math.min(
    limits.maxQueries,
    Math.floor(limits.maxDatapoints / Math.min(periods, limits.maxDatapoints)),
  )
  return slices * Math.ceil(n / perCall)
}
