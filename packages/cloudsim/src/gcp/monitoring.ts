/**
 * Cloud Monitoring v3 REST: timeSeries.list (filter on metric.type, resource.type and resource/metric
 * labels joined by AND; per-series aligners, enums as integers or names; paging) and metricDescriptors.
 * Alignment buckets are epoch-aligned like the other clouds; a point's interval ends at its bucket end.
 */
import { gcpMetricKind, METRICS_BY_TYPE, type MetricSpec } from '../world/metric-catalog'
import {
  aggregateResource,
  INGEST_DELAY_SECONDS,
  SAMPLE_SECONDS,
  sampleAt,
  seriesGen,
  publishesAt,
  type Stat,
} from '../world/metrics'
import type { ResourceType, SimResource } from '../world/types'
import { GcpError, gcpPage, type GcpRequest } from './gcp-types'

const ALIGNERS: Record<string, number> = {
  ALIGN_NONE: 0,
  ALIGN_DELTA: 1,
  ALIGN_RATE: 2,
  ALIGN_MIN: 10,
  ALIGN_MAX: 11,
  ALIGN_MEAN: 12,
  ALIGN_COUNT: 13,
  ALIGN_SUM: 14,
  ALIGN_PERCENTILE_99: 18,
  ALIGN_PERCENTILE_95: 19,
  ALIGN_PERCENTILE_50: 20,
  ALIGN_PERCENTILE_05: 21,
}
const ALIGNER_STAT: Record<number, Stat> = {
  1: 'Sum',
  2: 'Sum',
  10: 'Minimum',
  11: 'Maximum',
  12: 'Average',
  13: 'SampleCount',
  14: 'Sum',
  18: 'p99',
  19: 'p95',
  20: 'p50',
  21: 'p5',
}

const GCP_TYPES: ResourceType[] = ['gcp.instance', 'gcp.sql_instance']

function invalid(message: string): GcpError {
  return new GcpError(400, 'INVALID_ARGUMENT', message, 'badRequest')
}

interface Clause {
  lhs: string
  test: (v: string | undefined) => boolean
}

/** `a = "x" AND b = one_of("y","z") AND c = starts_with("p")` (also `!=`). */
export function parseFilter(filter: string): Clause[] {
  if (/\bOR\b/.test(filter)) throw invalid('cloudsim supports only AND-joined filter clauses.')
  return filter
    .split(/\s+AND\s+/i)
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const m = /^([\w.]+)\s*(!?=)\s*(.+)$/.exec(part)
      if (!m || !m[1] || !m[3])
        throw invalid(`Field filter had an invalid value of "${filter}": cannot parse "${part}".`)
      const lhs = m[1]
        .replace(/^resource\.label\./, 'resource.labels.')
        .replace(/^metric\.label\./, 'metric.labels.')
      const rhs = m[3].trim()
      let test: (v: string | undefined) => boolean
      const fn = /^(one_of|starts_with|ends_with|has_substring)\((.*)\)$/.exec(rhs)
      if (fn) {
        const args = [...(fn[2] ?? '').matchAll(/"([^"]*)"/g)].map((x) => x[1] ?? '')
        const f = fn[1]
        test = (v) =>
          v !== undefined &&
          (f === 'one_of'
            ? args.includes(v)
            : f === 'starts_with'
              ? v.startsWith(args[0] ?? '')
              : f === 'ends_with'
                ? v.endsWith(args[0] ?? '')
                : v.includes(args[0] ?? ''))
      } else {
        const lit = /^"([^"]*)"$/.exec(rhs)?.[1] ?? rhs
        test = (v) => v === lit
      }
      if (m[2] === '!=') {
        const inner = test
        test = (v) => !inner(v)
      }
      return { lhs, test }
    })
}

function resourceLabels(r: SimResource): Record<string, string> {
  return r.type === 'gcp.instance'
    ? { project_id: r.account, instance_id: r.id, zone: r.zone ?? '' }
    : { project_id: r.account, database_id: r.id, region: r.region }
}

function metricLabels(r: SimResource): Record<string, string> {
  return r.type === 'gcp.instance' ? { instance_name: r.name } : {}
}

function enumValue(v: string | null, names: Record<string, number>): number {
  if (v === null || v === '') return 0
  if (/^\d+$/.test(v)) return Number(v)
  const n = names[v]
  if (n === undefined) throw invalid(`Invalid value "${v}".`)
  return n
}

function secondsOf(d: string | null): number | undefined {
  if (!d) return undefined
  const m = /^(\d+(?:\.\d+)?)s$/.exec(d)
  return m ? Number(m[1]) : undefined
}

function ts(t: number): string {
  return new Date(t * 1000).toISOString().replace('.000Z', 'Z')
}

export function listTimeSeries(req: GcpRequest): unknown {
  req.call.api = 'gcp.monitoring'
  req.call.operation = 'timeSeries.list'
  const filter = req.query.get('filter') ?? ''
  const clauses = parseFilter(filter)
  const typeClause = clauses.find((c) => c.lhs === 'metric.type')
  if (!typeClause) throw invalid('Field filter had an invalid value: a metric.type restriction is required.')
  const start = Date.parse(req.query.get('interval.startTime') ?? '') / 1000
  const end = Date.parse(req.query.get('interval.endTime') ?? '') / 1000
  if (Number.isNaN(end)) throw invalid('Field interval.endTime had an invalid value.')
  const startSec = Number.isNaN(start) ? end : start
  if (startSec > end)
    throw invalid(
      'Field interval.startTime had an invalid value: it must not be later than interval.endTime.',
    )
  const aligner = enumValue(req.query.get('aggregation.perSeriesAligner'), ALIGNERS)
  const reducer = req.query.get('aggregation.crossSeriesReducer')
  if (reducer && reducer !== '0' && reducer !== 'REDUCE_NONE')
    throw invalid('cloudsim does not support crossSeriesReducer.')
  const period = secondsOf(req.query.get('aggregation.alignmentPeriod'))
  if (aligner !== 0 && (!period || period < 60))
    throw invalid('The alignment period must be at least 60 seconds when an aligner is given.')
  if (aligner !== 0 && !ALIGNER_STAT[aligner]) throw invalid(`cloudsim does not support aligner ${aligner}.`)
  const headersOnly = enumValue(req.query.get('view'), { FULL: 0, HEADERS: 1 }) === 1

  const matches: { r: SimResource; spec: MetricSpec }[] = []
  let known = false
  for (const type of GCP_TYPES) {
    const tm = METRICS_BY_TYPE[type]
    if (!tm) continue
    for (const spec of tm.metrics) {
      if (!typeClause.test(spec.name)) continue
      known = true
      for (const r of req.sim.world.resourcesOf(req.project)) {
        if (r.type !== type) continue
        const created = r.history[0]?.t ?? Infinity
        const last = r.history[r.history.length - 1]
        if (created > end || (last?.state === 'terminated' && last.t < startSec)) continue
        const rl = resourceLabels(r)
        const ml = metricLabels(r)
        const ok = clauses.every((c) =>
          c.lhs === 'metric.type'
            ? true
            : c.lhs === 'resource.type'
              ? c.test(tm.namespace)
              : c.lhs.startsWith('resource.labels.')
                ? c.test(rl[c.lhs.slice(16)])
                : c.lhs.startsWith('metric.labels.')
                  ? c.test(ml[c.lhs.slice(14)])
                  : c.lhs === 'project'
                    ? c.test(req.project)
                    : false,
        )
        if (ok) matches.push({ r, spec })
      }
    }
  }
  if (!known)
    throw new GcpError(
      404,
      'NOT_FOUND',
      `Cannot find metric(s) that match type = ${filter}. If a metric was created recently, it could take up to 10 minutes to become available. Please try again soon.`,
      'notFound',
    )
  const page = gcpPage(req, matches, 'pageSize')
  const now = req.sim.world.nowSeconds()
  req.units = page.items.length
  const timeSeries = page.items.map(({ r, spec }) => {
    const kind = gcpMetricKind(spec.name)
    const isInt = spec.integer === true
    if (kind === 'GAUGE' && (aligner === 1 || aligner === 2))
      throw invalid(
        `The aligner ${aligner === 1 ? 'ALIGN_DELTA' : 'ALIGN_RATE'} cannot be applied to metrics with kind GAUGE and value type DOUBLE.`,
      )
    const valueType =
      aligner === 0 || aligner === 1 || aligner === 13 || aligner === 10 || aligner === 11 || aligner === 14
        ? aligner === 13
          ? 'INT64'
          : isInt
            ? 'INT64'
            : 'DOUBLE'
        : 'DOUBLE'
    const tm = METRICS_BY_TYPE[r.type]
    const header = {
      metric: { type: spec.name, labels: metricLabels(r) },
      resource: { type: tm?.namespace ?? '', labels: resourceLabels(r) },
      metricKind: aligner === 0 ? kind : aligner === 1 || aligner === 14 ? kind : 'GAUGE',
      valueType,
      unit: spec.unit,
    }
    if (headersOnly) return { ...header, points: [] }
    const value = (v: number) =>
      valueType === 'INT64' ? { int64Value: String(Math.round(v)) } : { doubleValue: v }
    let points: { interval: { startTime: string; endTime: string }; value: unknown }[]
    if (aligner === 0) {
      // Raw one-minute samples, newest first.
      points = []
      const g = seriesGen(req.sim.world.seed, r.id, spec)
      const lastVisible = Math.floor((now - INGEST_DELAY_SECONDS) / SAMPLE_SECONDS) - 1
      for (
        let m = Math.min(Math.ceil(end / SAMPLE_SECONDS) - 1, lastVisible);
        m * SAMPLE_SECONDS >= startSec;
        m--
      ) {
        if (!publishesAt(r, m * SAMPLE_SECONDS)) continue
        const t = m * SAMPLE_SECONDS
        points.push({
          interval:
            kind === 'DELTA'
              ? { startTime: ts(t), endTime: ts(t + SAMPLE_SECONDS) }
              : { startTime: ts(t + SAMPLE_SECONDS), endTime: ts(t + SAMPLE_SECONDS) },
          value: value(sampleAt(g, m)),
        })
      }
    } else {
      const p = period ?? 60
      const buckets = aggregateResource(
        req.sim.world.seed,
        r,
        spec,
        { startSec, endSec: end, periodSec: p, stat: ALIGNER_STAT[aligner] ?? 'Average' },
        now,
      )
      points = buckets.reverse().map((b) => ({
        interval:
          header.metricKind === 'DELTA'
            ? { startTime: ts(b.t), endTime: ts(b.t + p) }
            : { startTime: ts(b.t + p), endTime: ts(b.t + p) },
        value: value(aligner === 2 ? b.value / p : b.value),
      }))
    }
    return { ...header, points }
  })
  return { timeSeries, ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}), unit: '' }
}

export function listMetricDescriptors(req: GcpRequest): unknown {
  req.call.api = 'gcp.monitoring'
  req.call.operation = 'metricDescriptors.list'
  const clauses = parseFilter(req.query.get('filter') ?? '')
  const rows = GCP_TYPES.flatMap((type) =>
    (METRICS_BY_TYPE[type]?.metrics ?? []).map((spec) => ({
      spec,
      resourceType: METRICS_BY_TYPE[type]?.namespace ?? '',
    })),
  ).filter(({ spec }) => clauses.every((c) => (c.lhs === 'metric.type' ? c.test(spec.name) : true)))
  const page = gcpPage(req, rows, 'pageSize')
  return {
    metricDescriptors: page.items.map(({ spec, resourceType }) => ({
      name: `projects/${req.project}/metricDescriptors/${spec.name}`,
      type: spec.name,
      metricKind: gcpMetricKind(spec.name),
      valueType: spec.integer ? 'INT64' : 'DOUBLE',
      unit: spec.unit,
      description: `${spec.name} (simulated)`,
      displayName: spec.name.split('/').slice(-2).join(' '),
      labels:
        resourceType === 'gce_instance'
          ? [{ key: 'instance_name', description: 'The name of the VM instance.' }]
          : [],
      monitoredResourceTypes: [resourceType],
      metadata: { samplePeriod: '60s', ingestDelay: `${INGEST_DELAY_SECONDS}s` },
      launchStage: 'GA',
    })),
    ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}),
  }
}
