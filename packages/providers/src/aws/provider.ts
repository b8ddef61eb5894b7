/**
 * The AWS provider: verify, inventory (every enabled region, Describe* so untagged resources are
 * found), CloudWatch metrics via GetMetricData at ≤ 500 queries per call, Cost Explorer daily costs.
 */
import { AppError, type AwsCredentials } from '@cms/core'
import type {
  CostsResult,
  InventoryResult,
  MetricDefinition,
  MetricPoint,
  MetricTarget,
  MetricsResult,
  NormalizedResource,
  Provider,
  ProviderContext,
  RegionError,
  VerifyCheck,
  VerifyResult,
} from '../contract'
import { CallRunner } from '../shared/call'
import { CallMeter } from '../shared/calls'
import { DailyCap } from '../shared/daily-cap'
import { asCloudError, check } from '../shared/verify'
import { addDays, isoDay, mapLimit } from '../shared/windows'
import { fetchAwsDailyCosts, fetchAwsMonthForecast } from './ce/costs'
import { HOME_REGION } from './clients'
import { AWS_METRIC_CATALOG, AWS_METRIC_SOURCES, isAwsResourceType } from './cloudwatch/catalog'
import { fetchBatch } from './cloudwatch/get-metric-data'
import { planGetMetricData, type CwSeries } from './cloudwatch/planner'
import { listAwsRegions } from './ec2/regions'
import { classifyAwsError } from './errors'
import { AWS_INVENTORY, AWS_RESOURCE_TYPES, type AwsResourceType } from './inventory'
import { openAwsSession, withAwsSession, withPollerKeys, type AwsSession } from './session'

/** Bills are revised for days: every cost read goes back at least this far. */
export const COST_REREAD_DAYS = 3
const ceCap = new Map<number, DailyCap>()
const capFor = (ctx: ProviderContext) => {
  const max = ctx.costRequestsPerDay ?? 12
  let cap = ceCap.get(max)
  if (!cap) ceCap.set(max, (cap = new DailyCap(max)))
  return cap
}

const runnerFor = (ctx: ProviderContext) => {
  const meter = new CallMeter()
  return { meter, runner: new CallRunner(ctx, meter, classifyAwsError) }
}
const endpointOf = (ctx: ProviderContext) => ctx.endpoints?.aws

export function awsMetricDefinitions(
  type: string,
  opts: { metrics?: MetricDefinition[]; metricsByType?: Record<string, MetricDefinition[]> },
): MetricDefinition[] {
  return (
    opts.metricsByType?.[type] ?? opts.metrics ?? (isAwsResourceType(type) ? AWS_METRIC_CATALOG[type] : [])
  )
}

/** Expand targets × definitions into CloudWatch series (the planner's input). */
export function awsSeries(
  targets: readonly MetricTarget[],
  opts: { metrics?: MetricDefinition[]; metricsByType?: Record<string, MetricDefinition[]> },
): CwSeries[] {
  const out: CwSeries[] = []
  for (const t of targets) {
    const source = isAwsResourceType(t.type) ? AWS_METRIC_SOURCES[t.type] : null
    if (!source) continue
    for (const def of awsMetricDefinitions(t.type, opts))
      out.push({
        nativeId: t.nativeId,
        namespace: def.namespace ?? source.namespace,
        dimensions: [{ Name: source.dimension, Value: t.nativeId }],
        def,
      })
  }
  return out
}

export const awsProvider: Provider<'aws'> = {
  cloud: 'aws',

  async verify(tenantCreds: AwsCredentials, ctx: ProviderContext): Promise<VerifyResult> {
    const creds = withPollerKeys(tenantCreds, ctx.awsPoller)
    const { meter, runner } = runnerFor(ctx)
    const checks: VerifyCheck[] = []
    const regions = { enabled: [] as string[], disabled: [] as string[] }
    let session: AwsSession | undefined
    const idPermission = creds.method === 'assumeRole' ? 'sts:AssumeRole' : 'sts:GetCallerIdentity'
    checks.push(
      await check('identity', idPermission, async () => {
        const ep = endpointOf(ctx)
        session = await openAwsSession(creds, runner, {
          checkIdentity: true,
          ...(ep ? { endpoint: ep } : {}),
        })
      }),
    )
    const s = session
    if (!s) return { ok: false, accountNativeIds: [], checks, regions, calls: meter.snapshot() }

    const home = {
      accountId: s.accountId,
      region: HOME_REGION,
      run: runner.bind({ cloud: 'aws', account: s.accountId, region: HOME_REGION }),
    }
    checks.push(
      await check('inventory', 'ec2:DescribeRegions', async () => {
        Object.assign(regions, await listAwsRegions(s.clients.ec2(HOME_REGION), home.run))
      }),
    )
    const probeRegion = regions.enabled.includes(HOME_REGION)
      ? HOME_REGION
      : (regions.enabled[0] ?? HOME_REGION)
    const scope = {
      accountId: s.accountId,
      region: probeRegion,
      run: runner.bind({ cloud: 'aws', account: s.accountId, region: probeRegion }),
    }
    for (const type of AWS_RESOURCE_TYPES) {
      const lister = AWS_INVENTORY[type]
      checks.push(await check('inventory', lister.permission, () => lister.probe(s.clients, scope)))
    }
    checks.push(
      await check('metrics', 'cloudwatch:GetMetricData', () => {
        const end = new Date(Math.floor(Date.now() / 300_000) * 300_000)
        return scope.run({ api: 'cloudwatch', operation: 'GetMetricData', units: 1 }, () =>
          s.clients.cloudwatch(probeRegion).getMetricData({
            MetricDataQueries: [
              {
                Id: 'probe',
                MetricStat: {
                  Metric: { Namespace: 'AWS/EC2', MetricName: 'CPUUtilization' },
                  Period: 300,
                  Stat: 'Average',
                },
                ReturnData: true,
              },
            ],
            StartTime: new Date(end.getTime() - 600_000),
            EndTime: end,
          }),
        )
      }),
    )
    checks.push(
      await check('costs', 'ce:GetCostAndUsage', async () => {
        if (!capFor(ctx).tryReserve(s.accountId, 1)) throw ceCapError()
        const today = isoDay(ctx.now?.() ?? new Date())
        return home.run({ api: 'ce', operation: 'GetCostAndUsage', units: 1 }, () =>
          s.clients.ce().getCostAndUsage({
            TimePeriod: { Start: addDays(today, -1), End: today },
            Granularity: 'MONTHLY',
            Metrics: ['UnblendedCost'],
          }),
        )
      }),
    )
    s.clients.destroy()
    return {
      ok: checks.every((c) => c.ok),
      identity: s.arn,
      accountNativeIds: [s.accountId],
      checks,
      regions,
      calls: meter.snapshot(),
    }
  },

  inventory: {
    async listRegions(tenantCreds, ctx) {
      const creds = withPollerKeys(tenantCreds, ctx.awsPoller)
      const { meter, runner } = runnerFor(ctx)
      return withAwsSession(creds, runner, endpointOf(ctx), async (s) => {
        const r = await listAwsRegions(
          s.clients.ec2(HOME_REGION),
          runner.bind({ cloud: 'aws', account: s.accountId, region: HOME_REGION }),
        )
        return { regions: r.enabled, calls: meter.snapshot() }
      })
    },

    async discover(tenantCreds, opts, ctx): Promise<InventoryResult> {
      const creds = withPollerKeys(tenantCreds, ctx.awsPoller)
      const { meter, runner } = runnerFor(ctx)
      return withAwsSession(creds, runner, endpointOf(ctx), async (s) => {
        const resources: NormalizedResource[] = []
        const errors: RegionError[] = []
        let regionStatus: Promise<{ enabled: string[]; disabled: string[] } | null> | undefined
        // EC2 answers AuthFailure in a region the account has not opted into; tell that apart from bad keys.
        const disabledRegions = () =>
          (regionStatus ??= listAwsRegions(
            s.clients.ec2(HOME_REGION),
            runner.bind({ cloud: 'aws', account: s.accountId, region: HOME_REGION }),
          ).catch(() => null))
        await mapLimit(opts.regions, 4, async (region) => {
          const scope = {
            accountId: s.accountId,
            region,
            run: runner.bind({ cloud: 'aws', account: s.accountId, region }),
          }
          const types = [...AWS_RESOURCE_TYPES] as AwsResourceType[]
          const settled = await Promise.allSettled(types.map((t) => AWS_INVENTORY[t].list(s.clients, scope)))
          const failed: Array<{ type: string; code: RegionError['code']; message: string }> = []
          settled.forEach((r, i) => {
            if (r.status === 'fulfilled') resources.push(...r.value)
            else failed.push({ type: types[i] as string, ...asCloudError(r.reason) })
          })
          if (!failed.length) return
          if (failed.some((f) => f.code === 'credentials_invalid')) {
            const st = await disabledRegions()
            if (st?.disabled.includes(region)) {
              errors.push({
                region,
                code: 'region_disabled',
                message: `Region ${region} is not enabled for account ${s.accountId}`,
              })
              return
            }
          }
          for (const f of failed) errors.push({ region, code: f.code, message: f.message, type: f.type })
        })
        // Every region failed the same way (revoked keys, missing policy): that is the account's error, not a region's.
        if (
          opts.regions.length &&
          errors.length &&
          new Set(errors.map((e) => e.region)).size === opts.regions.length
        ) {
          const first = errors[0] as RegionError
          if (
            errors.every((e) => e.code === first.code) &&
            (first.code === 'credentials_invalid' || first.code === 'access_denied')
          )
            throw new AppError(first.code, first.message, { calls: meter.snapshot() })
        }
        return { resources, errors, calls: meter.snapshot() }
      })
    },
  },

  metrics: {
    catalog(type: string): MetricDefinition[] {
      return isAwsResourceType(type) ? AWS_METRIC_CATALOG[type] : []
    },

    async fetch(tenantCreds, opts, ctx): Promise<MetricsResult> {
      const creds = withPollerKeys(tenantCreds, ctx.awsPoller)
      const { meter, runner } = runnerFor(ctx)
      const now = ctx.now?.() ?? new Date()
      const batches = planGetMetricData(awsSeries(opts.targets, opts), opts.window, now)
      if (!batches.length) return { points: [], calls: [] }
      return withAwsSession(creds, runner, endpointOf(ctx), async (s) => {
        const run = runner.bind({ cloud: 'aws', account: s.accountId, region: opts.region })
        const cw = s.clients.cloudwatch(opts.region)
        const parts = await mapLimit(batches, 10, (b) => fetchBatch(cw, b, run))
        const points: MetricPoint[] = parts.flat()
        return { points, calls: meter.snapshot() }
      })
    },
  },

  costs: {
    async fetchDaily(tenantCreds, opts, ctx): Promise<CostsResult> {
      const creds = withPollerKeys(tenantCreds, ctx.awsPoller)
      const { meter, runner } = runnerFor(ctx)
      return withAwsSession(creds, runner, endpointOf(ctx), async (s) => {
        const today = isoDay(ctx.now?.() ?? new Date())
        // Cost Explorer's End is exclusive; re-read the last days because bills are revised.
        const to = opts.to > today ? addDays(today, 1) : addDays(opts.to, 1)
        const from = [opts.from, addDays(to, -COST_REREAD_DAYS)].sort()[0] as string
        const monthEnd = addDays(`${today.slice(0, 8)}01`, 32).slice(0, 8) + '01'
        const wantForecast = to > today
        if (!capFor(ctx).tryReserve(s.accountId, wantForecast ? 2 : 1)) throw ceCapError()
        const run = runner.bind({ cloud: 'aws', account: s.accountId, region: 'us-east-1' })
        const rows = await fetchAwsDailyCosts(s.clients.ce(), { from, to }, run)
        const forecast = wantForecast
          ? await fetchAwsMonthForecast(s.clients.ce(), { from: today, to: monthEnd }, run)
          : undefined
        return { rows, ...(forecast ? { forecast } : {}), calls: meter.snapshot() }
      })
    },
  },
}

function ceCapError(): AppError {
  return new AppError(
    'throttled',
    'Cost Explorer request cap for this account reached for today (each request costs $0.01; data refreshes ≤ 3×/day)',
  )
}
