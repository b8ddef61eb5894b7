/**
 * Metric threshold rules, evaluated incrementally: the scheduler calls this after storing a batch of
 * points with the series (or resources) it touched, so only those subjects are re-evaluated.
 */
import { Prisma, type PrismaClient } from '@cms/db'
import {
  activeSilences,
  applyObservations,
  mergeResults,
  persistAtomically,
  loadRules,
  type EvaluationResult,
  type Observation,
} from './evaluate'
import type { Comparison, MetricThresholdSpec } from './rules.schema'

export interface MetricEvaluationInput {
  tenantId: string
  /** Restrict to these series (ids as strings or bigints) … */
  seriesIds?: Array<string | bigint>
  /** … or to these resources. Neither: every matching series of the tenant. */
  resourceIds?: string[]
  now?: Date
}

const COMPARE: Record<Comparison, (v: number, t: number) => boolean> = {
  gt: (v, t) => v > t,
  gte: (v, t) => v >= t,
  lt: (v, t) => v < t,
  lte: (v, t) => v <= t,
  eq: (v, t) => v === t,
  ne: (v, t) => v !== t,
}
const SYMBOL: Record<Comparison, string> = { gt: '>', gte: '≥', lt: '<', lte: '≤', eq: '=', ne: '≠' }

interface SeriesRow {
  series_id: bigint
  resource_id: string
  resource_name: string | null
  resource_type: string
  region: string
  native_id: string
  account_id: string
  cloud: string
  metric: string
  stat: string
}

interface AggRow {
  series_id: bigint
  avg: number
  max: number
  min: number
  sum: number
  last: number
}

function scopeSql(spec: MetricThresholdSpec): Prisma.Sql {
  const s = spec.scope
  switch (s.type) {
    case 'resource':
      return Prisma.sql`AND r.id = ANY(${s.resourceIds}::uuid[])`
    case 'resource_type':
      return s.cloud
        ? Prisma.sql`AND r.type = ${s.resourceType} AND r.cloud = ${s.cloud}::"CloudKind"`
        : Prisma.sql`AND r.type = ${s.resourceType}`
    case 'tags':
      return s.resourceType
        ? Prisma.sql`AND r.tags @> ${JSON.stringify(s.tags)}::jsonb AND r.type = ${s.resourceType}`
        : Prisma.sql`AND r.tags @> ${JSON.stringify(s.tags)}::jsonb`
  }
}

export async function evaluateMetricRules(
  db: PrismaClient,
  input: MetricEvaluationInput,
): Promise<EvaluationResult> {
  const now = input.now ?? new Date()
  const rules = await loadRules(db, input.tenantId, 'metric_threshold')
  if (rules.length === 0) return { notifications: [], deliveries: [] }
  const silences = await activeSilences(db, input.tenantId, now)
  const seriesFilter = input.seriesIds?.length
    ? Prisma.sql`AND s.id = ANY(${input.seriesIds.map((x) => String(x))}::bigint[])`
    : Prisma.empty
  const resourceFilter = input.resourceIds?.length
    ? Prisma.sql`AND r.id = ANY(${input.resourceIds}::uuid[])`
    : Prisma.empty
  // One transaction per rule: its instance updates and their outbox rows commit together.
  const results: EvaluationResult[] = []
  for (const rule of rules) {
    const spec = rule.spec
    const series = await db.$queryRaw<SeriesRow[]>`
      SELECT s.id AS series_id, r.id::text AS resource_id, r.name AS resource_name, r.type AS resource_type,
             r.region, r.native_id, r.account_id::text AS account_id, r.cloud::text AS cloud, s.metric, s.stat
      FROM metric_series s JOIN resource r ON r.id = s.resource_id AND r.tenant_id = s.tenant_id
      WHERE s.tenant_id = ${input.tenantId}::uuid AND r.terminated_at IS NULL AND s.metric = ${spec.metric}
        ${spec.stat ? Prisma.sql`AND s.stat = ${spec.stat}` : Prisma.empty}
        ${scopeSql(spec)} ${seriesFilter} ${resourceFilter}`
    if (series.length === 0) continue
    const from = new Date(now.getTime() - spec.windowMinutes * 60_000)
    const aggs = await db.$queryRaw<AggRow[]>`
      SELECT series_id, avg(value) AS avg, max(value) AS max, min(value) AS min, sum(value) AS sum,
             (array_agg(value ORDER BY ts DESC))[1] AS last
      FROM ts.metric_points
      WHERE tenant_id = ${input.tenantId}::uuid AND series_id = ANY(${series.map((s) => String(s.series_id))}::bigint[])
        AND ts > ${from} AND ts <= ${now}
      GROUP BY series_id`
    const bySeries = new Map(aggs.map((a) => [String(a.series_id), a]))
    const observations: Observation[] = []
    for (const s of series) {
      const agg = bySeries.get(String(s.series_id))
      // No points in the window: no verdict; the subject keeps its state until data arrives.
      if (!agg) continue
      const value = Number(agg[spec.aggregation])
      const active = COMPARE[spec.comparison](value, spec.threshold)
      const name = s.resource_name ?? s.native_id
      observations.push({
        subjectKey: `series:${s.series_id}`,
        labels: {
          resource: name,
          resource_id: s.resource_id,
          native_id: s.native_id,
          resource_type: s.resource_type,
          region: s.region,
          account_id: s.account_id,
          cloud: s.cloud,
          metric: s.metric,
          stat: s.stat,
        },
        active,
        value,
        summary: `${s.metric} ${spec.aggregation} over ${spec.windowMinutes} min on ${name} is ${round(value)} (${SYMBOL[spec.comparison]} ${spec.threshold} ${active ? 'breached' : 'ok'})`,
        annotations: {
          threshold: String(spec.threshold),
          comparison: spec.comparison,
          aggregation: spec.aggregation,
        },
      })
    }
    if (observations.length === 0) continue
    results.push(
      await persistAtomically(db, (tx) =>
        applyObservations(tx, rule, observations, { now, forMinutes: spec.forMinutes, silences }),
      ),
    )
  }
  return mergeResults(results)
}

const round = (v: number) => Math.round(v * 1000) / 1000
