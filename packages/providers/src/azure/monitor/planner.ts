/**
 * metrics:getBatch batching at the physical minimum (pure). One call serves ≤ 50 resources of one
 * subscription, region and resource type, ≤ 20 metric names, one interval and one time span: group by
 * those, then calls = ⌈resources / 50⌉ × ⌈metrics / 20⌉ per group.
 */
import type { MetricDefinition, MetricWindow } from '../../contract'
import { alignWindow, chunk, groupBy } from '../../shared/windows'

export const GETBATCH_LIMITS = { maxResources: 50, maxMetrics: 20, rereadPeriods: 2 } as const
export type GetBatchLimits = { maxResources: number; maxMetrics: number; rereadPeriods: number }

export interface AzTarget {
  resourceId: string
  subscriptionId: string
  region: string
  namespace: string
  defs: MetricDefinition[]
}

export interface AzBatch {
  subscriptionId: string
  region: string
  namespace: string
  resourceIds: string[]
  defs: MetricDefinition[]
  start: Date
  end: Date
  interval: string
  /** Lower-case aggregations, comma-joined (every aggregation any of `defs` needs). */
  aggregation: string
}

export function isoDuration(seconds: number): string {
  if (seconds % 86_400 === 0) return `P${seconds / 86_400}D`
  if (seconds % 3600 === 0) return `PT${seconds / 3600}H`
  if (seconds % 60 === 0) return `PT${seconds / 60}M`
  return `PT${seconds}S`
}

export function planGetBatch(
  targets: readonly AzTarget[],
  window: MetricWindow,
  now: Date,
  limits: GetBatchLimits = GETBATCH_LIMITS,
): AzBatch[] {
  const out: AzBatch[] = []
  // One entry per (target, period, delay): a tenant may mix grains within a type.
  const units = targets.flatMap((t) =>
    [...groupBy(t.defs, (d) => `${d.periodSeconds}:${d.delaySeconds}`).values()].map((defs) => ({
      ...t,
      defs,
    })),
  )
  const groups = groupBy(units, (u) =>
    [
      u.subscriptionId.toLowerCase(),
      u.region,
      u.namespace.toLowerCase(),
      u.defs.map((d) => `${d.metric}/${d.stat}/${d.periodSeconds}/${d.delaySeconds}`).join('|'),
    ].join('#'),
  )
  for (const group of groups.values()) {
    const first = group[0]
    const d0 = first?.defs[0]
    if (!first || !d0) continue
    const w = alignWindow(window, d0.periodSeconds, d0.delaySeconds, now, limits.rereadPeriods)
    if (!w) continue
    const ids = [...new Map(group.map((g) => [g.resourceId.toLowerCase(), g.resourceId])).values()]
    for (const idPart of chunk(ids, limits.maxResources))
      for (const defPart of chunk(first.defs, limits.maxMetrics))
        out.push({
          subscriptionId: first.subscriptionId,
          region: first.region,
          namespace: first.namespace,
          resourceIds: idPart,
          defs: defPart,
          start: w.start,
          end: w.end,
          interval: isoDuration(d0.periodSeconds),
          aggregation: [...new Set(defPart.map((d) => d.stat.toLowerCase()))].join(','),
        })
  }
  return out
}
