/**
 * The GCP provider: a service-account key over one or more projects. Lists are per project (aggregated
 * across zones), metrics one timeSeries.list per metric type per project, costs from the BigQuery
 * billing export.
 */
import type { GcpCredentials } from '@cms/core'
import type {
  InventoryResult,
  MetricDefinition,
  MetricPoint,
  MetricTarget,
  NormalizedResource,
  Provider,
  ProviderContext,
  RegionError,
  VerifyCheck,
  VerifyResult,
} from '../contract'
import { CallRunner } from '../shared/call'
import { CallMeter } from '../shared/calls'
import { asCloudError, check } from '../shared/verify'
import { throwIfAccountWideFailure } from '../shared/inventory'
import { addDays, sumCostRows, isoDay, mapLimit } from '../shared/windows'
import { fetchGcpDailyCosts } from './billing/bigquery-export'
import { GcpClients, withDeadline } from './clients'
import { listGcpRegions } from './compute/regions'
import { classifyGcpError } from './errors'
import { GCP_INVENTORY } from './inventory'
import type { GcpProjectScope } from './scope'
import {
  GCP_METRIC_CATALOG,
  GCP_MONITORED_RESOURCE,
  GCP_RESOURCE_TYPES,
  isGcpResourceType,
  type GcpResourceType,
} from './monitoring/catalog'
import { fetchTimeSeries } from './monitoring/list-time-series'
import { planTimeSeriesLists, type GcpTarget } from './monitoring/planner'

const COST_REREAD_DAYS = 3

function session(creds: GcpCredentials, ctx: ProviderContext) {
  const meter = new CallMeter()
  const runner = new CallRunner(ctx, meter, classifyGcpError)
  const clients = GcpClients.for(creds, ctx)
  const scope = (projectId: string): GcpProjectScope => ({
    projectId,
    run: runner.bind({ cloud: 'gcp', account: projectId, region: 'global' }),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  })
  return { meter, runner, clients, scope }
}

export function gcpTargets(
  targets: readonly MetricTarget[],
  defaultProject: string,
  opts: { metrics?: MetricDefinition[]; metricsByType?: Record<string, MetricDefinition[]> },
): GcpTarget[] {
  const out: GcpTarget[] = []
  for (const t of targets) {
    if (!isGcpResourceType(t.type)) continue
    const mr = GCP_MONITORED_RESOURCE[t.type]
    const defs = opts.metricsByType?.[t.type] ?? opts.metrics ?? GCP_METRIC_CATALOG[t.type]
    if (!mr || !defs.length) continue
    const projectId =
      t.accountNativeId ??
      (t.type === 'gcp.sql_instance' ? t.nativeId.split(':')[0] : undefined) ??
      defaultProject
    out.push({ projectId, nativeId: t.nativeId, resourceType: mr.type, idLabel: mr.idLabel, defs })
  }
  return out
}

export const gcpProvider: Provider<'gcp'> = {
  cloud: 'gcp',

  async verify(creds, ctx): Promise<VerifyResult> {
    const { meter, clients, scope } = session(creds, ctx)
    const checks: VerifyCheck[] = []
    const regions = { enabled: new Set<string>(), disabled: new Set<string>() }
    for (const projectId of creds.projectIds) {
      const s = scope(projectId)
      // The first call proves the key (Google checks the self-signed JWT) and the project access.
      const id = await check('identity', `compute.regions.list (project ${projectId})`, async () => {
        const r = await listGcpRegions(clients.regions(), s)
        r.enabled.forEach((x) => regions.enabled.add(x))
        r.disabled.forEach((x) => regions.disabled.add(x))
      })
      checks.push(id)
      if (!id.ok && id.code === 'credentials_invalid') break
      for (const type of GCP_RESOURCE_TYPES) {
        const l = GCP_INVENTORY[type]
        checks.push(
          await check('inventory', `${l.permission} (project ${projectId})`, () => l.probe(clients, s)),
        )
      }
      checks.push(
        await check('metrics', `monitoring.timeSeries.list (project ${projectId})`, () =>
          s.run({ api: 'gcp.monitoring', operation: 'timeSeries.list', units: 1 }, () => {
            const end = Math.floor(Date.now() / 300_000) * 300
            return withDeadline(
              (o) =>
                clients.monitoring().listTimeSeries(
                  {
                    name: `projects/${projectId}`,
                    filter: 'metric.type = "compute.googleapis.com/instance/cpu/utilization"',
                    interval: { startTime: { seconds: end - 300 }, endTime: { seconds: end } },
                    view: 'HEADERS',
                    pageSize: 1,
                  },
                  o,
                ),
              s.signal,
            )
          }),
        ),
      )
    }
    return {
      ok: checks.length > 0 && checks.every((c) => c.ok),
      identity: creds.client_email,
      accountNativeIds: checks[0]?.ok ? creds.projectIds : [],
      checks,
      regions: { enabled: [...regions.enabled].sort(), disabled: [...regions.disabled].sort() },
      calls: meter.snapshot(),
    }
  },

  inventory: {
    async listRegions(creds, ctx) {
      const { meter, clients, scope } = session(creds, ctx)
      const all = new Set<string>()
      for (const p of creds.projectIds)
        (await listGcpRegions(clients.regions(), scope(p))).enabled.forEach((r) => all.add(r))
      return { regions: [...all].sort(), calls: meter.snapshot() }
    },

    /** Lists are per project across every region; `regions` filters the answer (networks are 'global' and always kept). */
    async discover(creds, opts, ctx): Promise<InventoryResult> {
      const { meter, clients, scope } = session(creds, ctx)
      const wanted = new Set(opts.regions)
      const keep = (r: NormalizedResource) => !wanted.size || r.region === 'global' || wanted.has(r.region)
      const resources: NormalizedResource[] = []
      const errors: RegionError[] = []
      await mapLimit(creds.projectIds, 4, async (projectId) => {
        const s = scope(projectId)
        const types = [...GCP_RESOURCE_TYPES] as GcpResourceType[]
        const extraPages = (n: number) => {
          for (let i = 0; i < n; i++) meter.count('gcp.compute', 'instances.aggregatedList')
        }
        const settled = await Promise.allSettled(
          types.map((t) => GCP_INVENTORY[t].list(clients, s, extraPages)),
        )
        settled.forEach((r, i) => {
          if (r.status === 'fulfilled') resources.push(...r.value.filter(keep))
          else {
            const e = asCloudError(r.reason)
            for (const region of wanted.size ? wanted : new Set(['*']))
              errors.push({
                region,
                type: types[i] as string,
                code: e.code,
                message: `${e.message} (project ${projectId})`,
              })
          }
        })
      })
      throwIfAccountWideFailure(resources, errors, { calls: meter.snapshot() })
      return { resources, errors, calls: meter.snapshot() }
    },
  },

  metrics: {
    catalog: (type) => (isGcpResourceType(type) ? GCP_METRIC_CATALOG[type] : []),

    /** Region is ignored: one list per metric type per project serves every region, so pass all of a project's targets at once. */
    async fetch(creds, opts, ctx) {
      const now = ctx.now?.() ?? new Date()
      const plan = planTimeSeriesLists(
        gcpTargets(opts.targets, creds.projectIds[0] as string, opts),
        opts.window,
        now,
      )
      if (!plan.length) return { points: [], calls: [] }
      const { meter, clients, scope } = session(creds, ctx)
      const parts = await mapLimit(plan, 10, (c) =>
        fetchTimeSeries(clients.monitoring(), c, scope(c.projectId).run, ctx.signal),
      )
      const points: MetricPoint[] = parts.flat()
      return { points, calls: meter.snapshot() }
    },
  },

  costs: {
    async fetchDaily(creds, opts, ctx) {
      const { meter, clients, scope } = session(creds, ctx)
      const today = isoDay(ctx.now?.() ?? new Date())
      const to = opts.to > today ? today : opts.to
      const from = [opts.from, addDays(to, -(COST_REREAD_DAYS - 1))].sort()[0] as string
      const first = creds.projectIds[0] as string
      const table = opts.billingTable ?? `${first}.billing_export.gcp_billing_export_v1`
      const billingProject = table.split('.')[0] as string
      const rows = await fetchGcpDailyCosts(
        clients.bigquery(billingProject),
        table,
        creds.projectIds,
        { from, to },
        scope(billingProject).run,
      )
      return { rows: sumCostRows(rows), calls: meter.snapshot() }
    },
  },
}
