/**
 * The Naver Cloud Platform provider: a sub-account API key (access key + secret key) on the VPC
 * platform. Lists are per region (getRegionList → KR, SGN, JPN, …), metrics through Cloud Insight's
 * QueryDataMultiple (≤ 20 series per call), costs from the Cost and Usage API (monthly, KRW).
 *
 * Account id: NCP's documented account number is `memberNo`, returned by getDemandCostList — the call
 * verify's cost check makes anyway. Inventory needs it too, so it is looked up once per key per process
 * (an LRU, like AWS's cached GetCallerIdentity). A key without the billing permission has no way to
 * learn its memberNo: resources then carry `key:<access key id>` (the access key id is not a secret; it
 * is sent in clear in every request header), stable for as long as the key exists.
 */
import type { NcpCredentials } from '@cms/core'
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
import { CallRunner, type Run } from '../shared/call'
import { CallMeter } from '../shared/calls'
import { throwIfAccountWideFailure } from '../shared/inventory'
import { LruCache } from '../shared/lru'
import { asCloudError, check } from '../shared/verify'
import { addDays, isoDay, mapLimit, sumCostRows } from '../shared/windows'
import {
  listDemandCosts,
  listProductDemandCosts,
  monthSpans,
  monthsBetween,
  toCostRows,
  type DemandCost,
  type ProductDemandCost,
} from './billing/costs'
import { NCP_METRIC_CATALOG, NCP_METRIC_PRODUCTS, isNcpMetricType } from './cloudinsight/catalog'
import { planQueryDataMultiple, type CiSeries } from './cloudinsight/planner'
import { fetchQueryBatch, QUERY_MULTIPLE_PATH } from './cloudinsight/query'
import { classifyNcpError } from './errors'
import { NcpClient } from './http'
import { NCP_INVENTORY, NCP_RESOURCE_TYPES, type NcpResourceType } from './inventory'
import type { NcpScope } from './scope'
import { listNcpRegions } from './vserver/regions'

/** The region verify probes first (NCP's home region); else the first one listed. */
export const NCP_HOME_REGION = 'KR'

const memberNos = new LruCache<string, string>(4096)

export function ncpSession(creds: NcpCredentials, ctx: ProviderContext) {
  const meter = new CallMeter()
  const runner = new CallRunner(ctx, meter, classifyNcpError)
  const endpoint = ctx.endpoints?.ncp
  const client = new NcpClient(creds, {
    site: creds.site,
    ...(endpoint ? { endpoint } : {}),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  })
  // Budgets are per access key: the key is what NCP's gateway meters, and it is known before any call.
  const run = (region: string): Run => runner.bind({ cloud: 'ncp', account: creds.accessKey, region })
  const cacheKey = `${endpoint ?? creds.site}|${creds.accessKey}`
  const scope = (region: string, accountNativeId: string): NcpScope => ({
    client,
    accountNativeId,
    region,
    run: run(region),
  })
  /** memberNo (one cached, 1-row getDemandCostList), else the key's stable id. */
  const accountId = async (): Promise<string> => {
    const hit = memberNos.get(cacheKey)
    if (hit) return hit
    const fallback = `key:${creds.accessKey}`
    try {
      const id = (await currentMonthDemand(client, run('global'), ctx))[0]?.memberNo
      // A member with no bill this month yet has no row to read its number from: ask again next time.
      if (!id) return fallback
      memberNos.set(cacheKey, id)
      return id
    } catch (e) {
      const { code, message } = asCloudError(e)
      // A bad key is the account's error; a missing billing permission is permanent for this key.
      if (code === 'credentials_invalid') throw e
      if (code === 'access_denied') memberNos.set(cacheKey, fallback)
      // Anything else (billing API down, throttled) must not stop the inventory: use the key's id once.
      else ctx.log?.warn({ cloud: 'ncp', code, message }, 'NCP memberNo lookup failed; using the key id')
      return fallback
    }
  }
  return {
    meter,
    runner,
    client,
    run,
    scope,
    accountId,
    remember: (id: string) => memberNos.set(cacheKey, id),
  }
}

/** Expand targets × definitions into Cloud Insight series (the planner's input). */
export function ncpSeries(
  targets: readonly MetricTarget[],
  opts: { metrics?: MetricDefinition[]; metricsByType?: Record<string, MetricDefinition[]> },
): CiSeries[] {
  const out: CiSeries[] = []
  for (const t of targets) {
    if (!isNcpMetricType(t.type)) continue
    const product = NCP_METRIC_PRODUCTS[t.type]
    if (!product) continue
    const defs = opts.metricsByType?.[t.type] ?? opts.metrics ?? NCP_METRIC_CATALOG[t.type]
    for (const def of defs)
      out.push({
        nativeId: t.nativeId,
        prodKey: def.namespace ?? product.prodKey,
        dimension: product.dimension,
        def,
      })
  }
  return out
}

function currentMonthDemand(client: NcpClient, run: Run, ctx: ProviderContext): Promise<DemandCost[]> {
  const month = isoDay(ctx.now?.() ?? new Date())
    .slice(0, 7)
    .replace('-', '')
  return listDemandCosts(client, run, { startMonth: month, endMonth: month }, 1)
}

export const ncpProvider: Provider<'ncp'> = {
  cloud: 'ncp',

  async verify(creds, ctx): Promise<VerifyResult> {
    const s = ncpSession(creds, ctx)
    const checks: VerifyCheck[] = []
    const regions = { enabled: [] as string[], disabled: [] as string[] }
    // getRegionList proves the key (the gateway checks the signature) at the cost of one free call.
    const id = await check('identity', 'Server View/getRegionList', async () => {
      regions.enabled = (await listNcpRegions(s.client, s.run('global'))).map((r) => r.regionCode).sort()
    })
    checks.push(id)
    if (!id.ok && id.code === 'credentials_invalid')
      return { ok: false, accountNativeIds: [], checks, regions, calls: s.meter.snapshot() }
    const probeRegion = regions.enabled.includes(NCP_HOME_REGION)
      ? NCP_HOME_REGION
      : (regions.enabled[0] ?? NCP_HOME_REGION)
    for (const type of NCP_RESOURCE_TYPES) {
      const l = NCP_INVENTORY[type]
      checks.push(await check('inventory', l.permission, () => l.probe(s.scope(probeRegion, ''))))
    }
    checks.push(
      await check('metrics', 'Cloud Insight View/queryDataMultiple', () =>
        // One condition on a server number that cannot exist: proves the permission, returns no data.
        s.run('global')({ api: 'ncp.cloudinsight', operation: 'QueryDataMultiple' }, () => {
          const end = Math.floor(Date.now() / 300_000) * 300_000
          const server = NCP_METRIC_PRODUCTS['ncp.server']
          return s.client.post('cw', QUERY_MULTIPLE_PATH, {
            timeStart: end - 600_000,
            timeEnd: end,
            metricInfoList: [
              {
                prodKey: server?.prodKey,
                metric: 'avg_cpu_used_rto',
                interval: 'Min5',
                aggregation: 'AVG',
                dimensions: { instanceNo: '0' },
              },
            ],
          })
        }),
      ),
    )
    let memberNo: string | undefined
    checks.push(
      await check('costs', 'Billing View/getDemandCostList', async () => {
        memberNo = (await currentMonthDemand(s.client, s.run('global'), ctx))[0]?.memberNo
      }),
    )
    if (memberNo) s.remember(memberNo)
    return {
      ok: checks.every((c) => c.ok),
      identity: `access key …${creds.accessKey.slice(-4)}`,
      accountNativeIds: memberNo ? [memberNo] : [],
      checks,
      regions,
      calls: s.meter.snapshot(),
    }
  },

  inventory: {
    async listRegions(creds, ctx) {
      const s = ncpSession(creds, ctx)
      const regions = (await listNcpRegions(s.client, s.run('global'))).map((r) => r.regionCode).sort()
      return { regions, calls: s.meter.snapshot() }
    },

    async discover(creds, opts, ctx): Promise<InventoryResult> {
      const s = ncpSession(creds, ctx)
      const resources: NormalizedResource[] = []
      const errors: RegionError[] = []
      const accountNativeId = await s.accountId()
      await mapLimit(opts.regions, 4, async (region) => {
        const scope = s.scope(region, accountNativeId)
        const types = [...NCP_RESOURCE_TYPES] as NcpResourceType[]
        const settled = await Promise.allSettled(types.map((t) => NCP_INVENTORY[t].list(scope)))
        const failed: RegionError[] = []
        settled.forEach((r, i) => {
          if (r.status === 'fulfilled') resources.push(...r.value)
          else failed.push({ region, type: types[i] as string, ...asCloudError(r.reason) })
        })
        // A region the account cannot use fails every listing the same way: one error for the region.
        if (failed.length === types.length && failed.every((f) => f.code === 'region_disabled'))
          errors.push({ region, code: 'region_disabled', message: (failed[0] as RegionError).message })
        else errors.push(...failed)
      })
      throwIfAccountWideFailure(resources, errors, { calls: s.meter.snapshot() })
      return { resources, errors, calls: s.meter.snapshot() }
    },
  },

  metrics: {
    catalog: (type) => (isNcpMetricType(type) ? NCP_METRIC_CATALOG[type] : []),

    /**
     * Region is ignored: Cloud Insight is one endpoint for every region and a QueryDataMultiple call may
     * mix regions, so pass all of an account's targets at once (calls = ⌈series / 20⌉).
     */
    async fetch(creds, opts, ctx): Promise<MetricsResult> {
      const now = ctx.now?.() ?? new Date()
      const batches = planQueryDataMultiple(ncpSeries(opts.targets, opts), opts.window, now)
      if (!batches.length) return { points: [], calls: [] }
      const s = ncpSession(creds, ctx)
      const run = s.run('global')
      const parts = await mapLimit(batches, 10, (b) => fetchQueryBatch(s.client, b, run))
      const points: MetricPoint[] = parts.flat()
      return { points, calls: s.meter.snapshot() }
    },
  },

  costs: {
    /**
     * Monthly rows (see billing/costs.ts) for every month the range touches, always including the
     * previous month: NCP closes a month's bill in the first days of the next one.
     */
    async fetchDaily(creds, opts, ctx): Promise<CostsResult> {
      const s = ncpSession(creds, ctx)
      const today = isoDay(ctx.now?.() ?? new Date())
      const to = opts.to > today ? today : opts.to
      const prevMonthStart = `${addDays(`${today.slice(0, 8)}01`, -1).slice(0, 8)}01`
      const from = [opts.from, prevMonthStart].sort()[0] as string
      const run = s.run('global')
      const demand: DemandCost[] = []
      const products: ProductDemandCost[] = []
      for (const span of monthSpans(monthsBetween(from, to))) {
        const [d, p] = await Promise.all([
          listDemandCosts(s.client, run, span),
          listProductDemandCosts(s.client, run, span),
        ])
        demand.push(...d)
        products.push(...p)
      }
      if (demand[0]) s.remember(demand[0].memberNo)
      const currentMonth = today.slice(0, 7).replace('-', '')
      return { rows: sumCostRows(toCostRows(demand, products, currentMonth)), calls: s.meter.snapshot() }
    },
  },
}
