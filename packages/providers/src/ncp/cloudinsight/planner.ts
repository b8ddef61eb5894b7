/**
 * QueryDataMultiple batching at the physical minimum (pure, no network). One call carries at most 20
 * conditions (one resource × one metric each; api.ncloud-docs.com management-cloudinsight-querydatamultiple:
 * "Up to 20 conditions can be queried in a single call") and one time window, so series are grouped by
 * (period, delay) — one aligned window each — and packed 20 per call: calls = ⌈series / 20⌉ per group.
 * Conditions may mix products, regions and resource types, so nothing else splits a batch.
 */
import type { MetricDefinition, MetricWindow } from '../../contract'
import { alignWindow, chunk, groupBy } from '../../shared/windows'
import { AGGREGATIONS, INTERVALS } from './catalog'

export const CLOUD_INSIGHT_LIMITS = {
  maxConditions: 20,
  rereadPeriods: 2,
  /** Buckets per condition per call before a long backfill is cut into slices (our own bound: a week of Min5). */
  maxBucketsPerCall: 2016,
} as const
export type CloudInsightLimits = { maxConditions: number; rereadPeriods: number; maxBucketsPerCall: number }

export interface CiSeries {
  nativeId: string
  prodKey: string
  dimension: string
  def: MetricDefinition
}

export interface CiCondition {
  prodKey: string
  metric: string
  interval: string
  aggregation: string
  dimensions: Record<string, string>
}

export interface CiBatch {
  start: Date
  end: Date
  periodSeconds: number
  /** In request order: the answer is matched back by position. */
  series: CiSeries[]
  conditions: CiCondition[]
}

const seriesKey = (s: CiSeries) =>
  `${s.prodKey}|${s.def.metric}|${s.def.stat}|${s.def.periodSeconds}|${s.dimension}=${s.nativeId}`

export function conditionOf(s: CiSeries): CiCondition {
  const interval = INTERVALS[s.def.periodSeconds]
  if (!interval) throw new RangeError(`Cloud Insight has no ${s.def.periodSeconds} s interval`)
  return {
    prodKey: s.prodKey,
    metric: s.def.metric,
    interval,
    aggregation: AGGREGATIONS[s.def.stat] ?? 'AVG',
    dimensions: { [s.dimension]: s.nativeId },
  }
}

export function planQueryDataMultiple(
  series: readonly CiSeries[],
  window: MetricWindow,
  now: Date,
  limits: CloudInsightLimits = CLOUD_INSIGHT_LIMITS,
): CiBatch[] {
  // Periods Cloud Insight cannot serve are dropped (a tenant's definition with e.g. 120 s).
  const unique = [...new Map(series.map((s) => [seriesKey(s), s])).values()].filter(
    (s) => INTERVALS[s.def.periodSeconds] !== undefined,
  )
  const batches: CiBatch[] = []
  for (const group of groupBy(unique, (s) => `${s.def.periodSeconds}:${s.def.delaySeconds}`).values()) {
    const first = group[0]
    if (!first) continue
    const { periodSeconds, delaySeconds } = first.def
    const w = alignWindow(window, periodSeconds, delaySeconds, now, limits.rereadPeriods)
    if (!w) continue
    const sliceMs = Math.min(w.periods, limits.maxBucketsPerCall) * periodSeconds * 1000
    for (let t = w.start.getTime(); t < w.end.getTime(); t += sliceMs) {
      const start = new Date(t)
      const end = new Date(Math.min(w.end.getTime(), t + sliceMs))
      for (const part of chunk(group, limits.maxConditions))
        batches.push({ start, end, periodSeconds, series: part, conditions: part.map(conditionOf) })
    }
  }
  return batches
}

/** The physical minimum for n series sharing one (period, delay) over `periods` buckets: what the bench compares to. */
export function minimumQueryDataMultipleCalls(
  n: number,
  periods: number,
  limits: CloudInsightLimits = CLOUD_INSIGHT_LIMITS,
): number {
  if (n === 0 || periods <= 0) return 0
  return Math.ceil(periods / limits.maxBucketsPerCall) * Math.ceil(n / limits.maxConditions)
}
