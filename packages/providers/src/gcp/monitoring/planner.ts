/**
 * Cloud Monitoring batching at the physical minimum (pure): one timeSeries.list per (project, metric
 * type, aligner, period), whatever the number of resources — the filter names the metric and the
 * monitored-resource type; small target sets also name their ids so the answer stays small.
 */
import type { MetricDefinition, MetricWindow } from '../../contract'
import { alignWindow, groupBy } from '../../shared/windows'
import { ALIGNERS } from './catalog'

/** Above this many targets per list the filter stops naming ids (filters are limited in length). */
export const MAX_IDS_IN_FILTER = 100

export interface GcpTarget {
  projectId: string
  nativeId: string
  resourceType: string
  idLabel: string
  defs: MetricDefinition[]
}

export interface GcpListCall {
  projectId: string
  def: MetricDefinition
  resourceType: string
  idLabel: string
  /** Our native ids wanted from this list. */
  ids: string[]
  filter: string
  start: Date
  end: Date
  aligner: string
}

export function planTimeSeriesLists(
  targets: readonly GcpTarget[],
  window: MetricWindow,
  now: Date,
  rereadPeriods = 2,
): GcpListCall[] {
  const units = targets.flatMap((t) => t.defs.map((def) => ({ t, def })))
  const out: GcpListCall[] = []
  for (const group of groupBy(
    units,
    (u) =>
      `${u.t.projectId}|${u.t.resourceType}|${u.def.metric}|${u.def.stat}|${u.def.periodSeconds}|${u.def.delaySeconds}`,
  ).values()) {
    const first = group[0]
    if (!first) continue
    const w = alignWindow(window, first.def.periodSeconds, first.def.delaySeconds, now, rereadPeriods)
    if (!w) continue
    const ids = [...new Set(group.map((u) => u.t.nativeId))]
    const base = `metric.type = "${first.def.metric}" AND resource.type = "${first.t.resourceType}"`
    const filter =
      ids.length <= MAX_IDS_IN_FILTER
        ? `${base} AND resource.labels.${first.t.idLabel} = one_of(${ids.map((i) => JSON.stringify(idLabelValue(i, first.t.idLabel))).join(',')})`
        : base
    out.push({
      projectId: first.t.projectId,
      def: first.def,
      resourceType: first.t.resourceType,
      idLabel: first.t.idLabel,
      ids,
      filter,
      start: w.start,
      end: w.end,
      aligner: ALIGNERS[first.def.stat] ?? 'ALIGN_MEAN',
    })
  }
  return out
}

/** Our Cloud SQL native id is `project:instance`, exactly the database_id label; GCE ids are the instance_id. */
export function idLabelValue(nativeId: string, _idLabel: string): string {
  return nativeId
}
