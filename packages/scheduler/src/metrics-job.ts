/**
 * Metrics: a scheduled `metrics.tick` per account fans out one `metrics.fetch` per region × period
 * group (deterministic id per newest period, so a duplicated tick enqueues nothing new). A fetch reads
 * the targets from the database (so a resource discovered a second ago is included), computes its
 * window from the watermark, fetches, and in ONE transaction upserts the points, marks rollup buckets
 * and advances the watermark (GREATEST: an older job finishing late never moves it back).
 */
import { AppError, type CloudKind } from '@cms/core'
import { loadAccountCredentials } from '@cms/db'
import { isBeyondCutoff, monitoredCutoff, monitoredResourceLimit, type SqlRunner } from '@cms/marketplace'
import type { ApiCallCount, MetricDefinition, MetricPoint, MetricTarget, Provider } from '@cms/providers'
import { recordTransientRecovery } from './account-status'
import { CATALOG, jobIds } from './catalog'
import { countCalls, providerContext } from './discovery'
import { recordCalls } from './ledger'
import type { Runtime } from './runtime'
import { upsertPoints, type PointRow } from './storage/points'
import type { SeriesKey } from './storage/series'
import { inTransaction } from './storage/tx'
import { computeWindow, groupKey, latestWindowStart } from './windows'

interface Group {
  key: string
  periodMs: number
  delayMs: number
}

/** Period groups of a set of resource types, from the provider's metric catalogue. */
export function groupsFor(provider: Provider<CloudKind>, types: string[]): Map<string, Group> {
  const out = new Map<string, Group>()
  if (!provider.metrics) return out
  for (const t of types) {
    for (const d of provider.metrics.catalog(t)) {
      const key = groupKey(d.periodSeconds)
      const g = out.get(key)
      if (g) g.delayMs = Math.max(g.delayMs, d.delaySeconds * 1000)
      else out.set(key, { key, periodMs: d.periodSeconds * 1000, delayMs: d.delaySeconds * 1000 })
    }
  }
  return out
}

export async function runMetricsTick(
  rt: Runtime,
  p: { tenantId: string; accountId: string },
): Promise<{ enqueued: number }> {
  const account = await rt.prisma.cloudAccount.findFirst({
    where: { id: p.accountId, tenantId: p.tenantId },
    select: { cloud: true, pausedAt: true, status: true },
  })
  if (!account || account.pausedAt || account.status === 'paused') return { enqueued: 0 }
  const provider = rt.providers[account.cloud] as Provider<CloudKind>
  if (!provider.metrics) return { enqueued: 0 }
  const rows = await rt.prisma.resource.groupBy({
    by: ['region', 'type'],
    where: { tenantId: p.tenantId, accountId: p.accountId, terminatedAt: null },
    _count: { _all: true },
    _max: { firstSeenAt: true },
  })
  const byRegion = new Map<string, { types: string[]; count: number; generation: number }>()
  for (const r of rows) {
    const e = byRegion.get(r.region) ?? { types: [], count: 0, generation: 0 }
    e.types.push(r.type)
    e.count += r._count._all
    e.generation = Math.max(e.generation, r._max.firstSeenAt?.getTime() ?? 0)
    byRegion.set(r.region, e)
  }
  const now = rt.now().getTime()
  const spec = CATALOG.metrics['metrics.fetch']
  const jobs = []
  for (const [region, { types, count, generation }] of byRegion) {
    for (const g of groupsFor(provider, types).values()) {
      const data = {
        tenantId: p.tenantId,
        accountId: p.accountId,
        region,
        group: g.key,
        windowStart: latestWindowStart(now, g.periodMs, g.delayMs),
        // A new resource gets a job at once (its first_seen_at as generation); while it is younger than a
        // period plus the convergence delay, every minute gets one more (the minute as generation). Such a
        // job fetches the fresh resources' newest, provisional periods until they have a first point, then
        // finds nothing to do (no API call).
        generation:
          now < generation + g.periodMs + g.delayMs
            ? Math.max(generation, Math.floor(now / 60_000) * 60_000)
            : generation,
      }
      // Fairness: small accounts get a better (lower) priority than big ones, so one tenant's 5,000
      // resources never queue ahead of another's 5.
      const priority = Math.min(1 + Math.ceil(count / rt.tuning.prioritySlice), 2_000_000)
      jobs.push({
        name: 'metrics.fetch',
        data,
        opts: {
          jobId: jobIds.metricsFetch(data),
          priority,
          attempts: spec.attempts,
          backoff: { type: 'exponential', delay: spec.backoffMs },
          removeOnComplete: { age: 3600, count: 50_000 },
          removeOnFail: { age: 24 * 3600 },
        },
      })
    }
  }
  if (jobs.length > 0) await rt.queues.metrics.addBulk(jobs)
  return { enqueued: jobs.length }
}

export interface FetchOutcome {
  from?: Date
  to?: Date
  targets: number
  /** Resources of the region beyond the plan's monitored limit (inventoried, not polled). */
  notMonitored?: number
  fresh?: number
  fetched: number
  written: number
  /** The account had failed before and this fetch brought it back to `ok` (recordTransientRecovery). */
  accountRecovered?: boolean
}

export async function runMetricsFetch(
  rt: Runtime,
  p: {
    tenantId: string
    accountId: string
    region: string
    group: string
    windowStart: number
    generation?: number
  },
  signal: AbortSignal,
): Promise<FetchOutcome> {
  const account = await rt.prisma.cloudAccount.findFirst({
    where: { id: p.accountId, tenantId: p.tenantId },
    select: { cloud: true, pausedAt: true, status: true, consecutiveFails: true },
  })
  if (!account || account.pausedAt || account.status === 'paused')
    return { targets: 0, fetched: 0, written: 0 }
  const hadFailures = account.consecutiveFails > 0
  const provider = rt.providers[account.cloud] as Provider<CloudKind>
  if (!provider.metrics) return { targets: 0, fetched: 0, written: 0 }
  const metricsApi = provider.metrics

  const wm = await rt.prisma.metricWatermark.findUnique({
    where: {
      tenantId_accountId_region_metricGroup: {
        tenantId: p.tenantId,
        accountId: p.accountId,
        region: p.region,
        metricGroup: p.group,
      },
    },
    select: { highWater: true },
  })
  const mark = wm ? wm.highWater.getTime() : null
  const periodMs = Number(p.group.replace(/^p/, '')) * 1000
  if (!Number.isFinite(periodMs) || periodMs <= 0)
    throw new AppError('bad_request', `Bad metric group ${p.group}`)
  const earliestPossible = p.windowStart + periodMs - rt.tuning.maxBackfillMs
  // Plain pg, not the ORM: a region may hold thousands of resources and this runs every minute.
  // Resources terminated inside the window still have points to collect before they went away.
  const resources = (
    await rt.pool.query<{
      id: string
      type: string
      nativeId: string
      region: string
      attributes: unknown
      createdAtCloud: Date | null
      firstSeenAt: Date
      terminatedAt: Date | null
    }>(
      `SELECT id::text, type, native_id AS "nativeId", region, attributes, created_at_cloud AS "createdAtCloud",
              first_seen_at AS "firstSeenAt", terminated_at AS "terminatedAt"
         FROM resource
        WHERE tenant_id = $1::uuid AND account_id = $2::uuid AND region = $3
          AND (terminated_at IS NULL OR terminated_at > $4)`,
      [p.tenantId, p.accountId, p.region, new Date(earliestPossible)],
    )
  ).rows
  // Per type, the definitions of this group, passed as `metricsByType` so every type is fetched in
  // one batched call (the provider packs them at the physical minimum of API calls).
  const defsByType = new Map<string, MetricDefinition[]>()
  for (const r of resources) {
    if (defsByType.has(r.type)) continue
    defsByType.set(
      r.type,
      metricsApi.catalog(r.type).filter((d) => groupKey(d.periodSeconds) === p.group),
    )
  }
  const withMetrics = resources.filter((r) => (defsByType.get(r.type)?.length ?? 0) > 0)
  // End the window where this worker's clock lets the provider ask (it clamps to now − delay): a job
  // ticked by a worker whose clock runs ahead must not move the watermark past what was fetched.
  const delayMs = Math.max(0, ...[...defsByType.values()].flat().map((d) => d.delaySeconds * 1000))
  const windowStart = Math.min(p.windowStart, latestWindowStart(rt.now().getTime(), periodMs, delayMs))
  // Plan limit: only the tenant's first N resources by (first_seen_at, id) are polled — the same rule
  // the web uses to label "not monitored" (@cms/marketplace). Terminated ones keep their last points.
  const limit = withMetrics.length > 0 ? await monitoredResourceLimit(rt.prisma, p.tenantId) : null
  let notMonitored = 0
  let targets = withMetrics
  if (limit !== null) {
    const sql: SqlRunner = async (text, params) => (await rt.pool.query(text, params)).rows
    const cutoff = await monitoredCutoff(sql, p.tenantId, limit)
    targets = withMetrics.filter(
      (r) =>
        !isBeyondCutoff(cutoff, {
          firstSeenAt: r.firstSeenAt,
          id: r.id,
          state: r.terminatedAt ? 'terminated' : 'running',
        }),
    )
    notMonitored = withMetrics.length - targets.length
  }
  if (targets.length === 0) return { targets: 0, notMonitored, fetched: 0, written: 0 }

  // Resources with nothing stored yet (just discovered, or created well before discovery saw them) get
  // an extra fetch of their own back to their creation (capped by maxBackfill), so their first minutes
  // are kept without widening the whole region's window. Decided from the data, not from timestamps, so
  // a discovery racing this job can never leave a hole.
  const fresh = new Set<string>()
  let earliestNew: number | null = null
  if (mark !== null) {
    const recent = targets.filter(
      (r) => r.firstSeenAt.getTime() > rt.now().getTime() - rt.tuning.maxBackfillMs,
    )
    if (recent.length > 0) {
      const res = await rt.pool.query<{ id: string }>(
        `SELECT r.id::text AS id FROM unnest($2::uuid[]) AS r(id)
         WHERE NOT EXISTS (SELECT 1 FROM metric_series s WHERE s.tenant_id = $1 AND s.resource_id = r.id)`,
        [p.tenantId, recent.map((r) => r.id)],
      )
      for (const x of res.rows) fresh.add(x.id)
      for (const r of recent) {
        if (!fresh.has(r.id)) continue
        const born = (r.createdAtCloud ?? r.firstSeenAt).getTime()
        earliestNew = earliestNew === null ? born : Math.min(earliestNew, born)
      }
    }
  }
  const tuning = {
    periodMs,
    windowStart,
    mark,
    rereadPeriods: rt.tuning.rereadPeriods,
    maxBackfillMs: rt.tuning.maxBackfillMs,
    initialLookbackMs: rt.tuning.initialLookbackMs,
  }
  const w = computeWindow(tuning)
  const wNew = earliestNew === null ? null : computeWindow({ ...tuning, earliestNew })
  // The fresh resources' extra range: from their creation up to now, including the newest periods that
  // have not converged yet (provisional), so a new resource has points one metrics run after discovery
  // instead of a period plus the convergence delay (10–15 minutes) later. Later runs re-read from the
  // watermark, which only ever moves over converged periods, so provisional values are replaced.
  const extra = wNew
    ? { from: wNew.from, to: Math.max(rt.now().getTime(), wNew.to), provisional: true }
    : null
  if (!w && !extra) return { targets: targets.length, notMonitored, fetched: 0, written: 0 }

  // Hold this job's points in the process-wide budget until they are written (bounded peak memory).
  const seriesOf = (rs: typeof targets) => rs.reduce((n, r) => n + (defsByType.get(r.type)?.length ?? 0), 0)
  const periodsIn = (r: { from: number; to: number }) => Math.max(1, Math.ceil((r.to - r.from) / periodMs))
  const freshTargets = targets.filter((r) => fresh.has(r.id))
  const estimate =
    (w ? seriesOf(targets) * periodsIn(w) : 0) + (extra ? seriesOf(freshTargets) * periodsIn(extra) : 0)
  const cloud = account.cloud
  const release = await rt.pointBudget.acquire(estimate, signal)
  try {
    return await fetchAndStore()
  } finally {
    release()
  }

  async function fetchAndStore(): Promise<FetchOutcome> {
    const creds = await loadAccountCredentials(rt.prisma, rt.vault, p.tenantId, p.accountId)
    const ctx = providerContext(rt, signal)
    const toTarget = (r: (typeof targets)[number]): MetricTarget => ({
      type: r.type,
      nativeId: r.nativeId,
      region: r.region,
      attributes: (r.attributes ?? {}) as Record<string, unknown>,
    })
    const metricsByType = Object.fromEntries(defsByType)
    const calls: ApiCallCount[] = []
    // Points per fetched range (no wrapper object per point: a job may hold hundreds of thousands).
    const fetched: Array<{ from: number; to: number; points: MetricPoint[] }> = []
    const fetchRange = async (
      ts: typeof targets,
      range: { from: number; to: number; provisional?: boolean },
    ) => {
      const res = await metricsApi.fetch(
        creds.credentials as never,
        {
          region: p.region,
          targets: ts.map(toTarget),
          window: {
            from: new Date(range.from),
            to: new Date(range.to),
            // computeWindow already re-reads the last periods from the watermark.
            exact: true,
            ...(range.provisional ? { provisional: true } : {}),
          },
          metricsByType,
        },
        ctx,
      )
      calls.push(...res.calls)
      fetched.push({ from: range.from, to: range.to, points: res.points })
    }
    try {
      if (w) await fetchRange(targets, w)
      if (extra) await fetchRange(freshTargets, extra)
    } finally {
      countCalls(rt, cloud, calls)
      await recordCalls(rt.pool, p.tenantId, p.accountId, calls, rt.now()).catch((e: unknown) =>
        rt.log.warn({ err: e }, 'ledger write failed'),
      )
    }
    const fetchedCount = fetched.reduce((n, f) => n + f.points.length, 0)
    rt.telemetry.pointsFetched.inc(fetchedCount)
    // Never past the newest converged period (a provisional range is no proof of completeness).
    const newMark = w ? w.to : windowStart + periodMs

    const idByNative = new Map(targets.map((r) => [r.nativeId, r.id]))
    const written = await inTransaction(rt.pool, async (client) => {
      // One series key per (resource, metric, stat), looked up without building a string per point:
      // first every series seen (id unknown), then their ids.
      const sidOf = new Map<string, Map<string, Map<string, string | undefined>>>()
      const keys: Array<SeriesKey & { nativeId: string }> = []
      for (const f of fetched)
        for (const pt of f.points) {
          const rid = idByNative.get(pt.nativeId)
          if (!rid) continue
          let byMetric = sidOf.get(pt.nativeId)
          if (!byMetric) sidOf.set(pt.nativeId, (byMetric = new Map()))
          let stats = byMetric.get(pt.metric)
          if (!stats) byMetric.set(pt.metric, (stats = new Map()))
          if (stats.has(pt.stat)) continue
          stats.set(pt.stat, undefined)
          keys.push({
            nativeId: pt.nativeId,
            resourceId: rid,
            metric: pt.metric,
            stat: pt.stat,
            unit: pt.unit ?? null,
          })
        }
      const ids = await rt.series.resolve(client, p.tenantId, keys)
      for (const k of keys)
        sidOf
          .get(k.nativeId)!
          .get(k.metric)!
          .set(k.stat, ids.get(`${k.resourceId}|${k.metric}|${k.stat}`))
      const rows: PointRow[] = []
      for (const { from, to, points } of fetched)
        for (const pt of points) {
          const ts = pt.ts.getTime()
          // Only the window asked for: a point beyond `to` may not have converged yet.
          if (ts < from || ts >= to) continue
          const sid = sidOf.get(pt.nativeId)?.get(pt.metric)?.get(pt.stat)
          if (sid) rows.push({ seriesId: sid, ts, value: pt.value })
        }
      fetched.length = 0 // the provider's objects can go before the write
      const n = await upsertPoints(client, p.tenantId, p.accountId, rows)
      await client.query(
        `INSERT INTO metric_watermark (tenant_id, account_id, region, metric_group, high_water, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (tenant_id, account_id, region, metric_group)
       DO UPDATE SET high_water = GREATEST(metric_watermark.high_water, EXCLUDED.high_water), updated_at = GREATEST(metric_watermark.updated_at, EXCLUDED.updated_at)`,
        [p.tenantId, p.accountId, p.region, p.group, new Date(newMark), rt.now()],
      )
      return n
    })
    rt.telemetry.pointsWritten.inc(written)
    // The cloud answered properly: a failure streak (malformed answers, 5xx…) is over.
    const recovered = hadFailures
      ? await recordTransientRecovery(rt.prisma, p.tenantId, p.accountId, rt.now())
      : null
    rt.telemetry.lag.set(
      { tenant: p.tenantId, account: p.accountId },
      Math.max(0, (rt.now().getTime() - newMark) / 1000),
    )
    return {
      from: new Date(extra?.from ?? w!.from),
      to: new Date(newMark),
      targets: targets.length,
      notMonitored,
      fresh: fresh.size,
      fetched: fetchedCount,
      written,
      ...(recovered?.changed ? { accountRecovered: true } : {}),
    }
  }
}
