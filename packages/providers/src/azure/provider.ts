/**
 * The Azure provider: a service principal over one or more subscriptions. Inventory lists are
 * subscription-wide (every region in one paged call), metrics go through metrics:getBatch (≤ 50
 * resources per call), costs through Cost Management query (daily, by service and location).
 */
import { AppError, type AzureCredentials } from '@cms/core'
import type {
  CostRow,
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
import { asCloudError, check } from '../shared/verify'
import { throwIfAccountWideFailure } from '../shared/inventory'
import { addDays, sumCostRows, groupBy, isoDay, mapLimit } from '../shared/windows'
import { AzureClients, azureCredential, azureEnv } from './clients'
import { fetchAzureDailyCosts } from './costs/query'
import { classifyAzureError } from './errors'
import { AZURE_INVENTORY, AZURE_RESOURCE_TYPES, type AzureResourceType } from './inventory'
import { AZURE_METRIC_CATALOG, AZURE_METRIC_NAMESPACES, isAzureResourceType } from './monitor/catalog'
import { fetchGetBatch } from './monitor/get-batch'
import { planGetBatch, type AzTarget } from './monitor/planner'
import { normalizeLocation, parseArmId } from './paging'

const COST_REREAD_DAYS = 3

function session(creds: AzureCredentials, ctx: ProviderContext) {
  const meter = new CallMeter()
  const runner = new CallRunner(ctx, meter, classifyAzureError)
  const env = azureEnv(ctx)
  const clients = new AzureClients(azureCredential(creds, env, meter), env)
  const runFor = (subscriptionId: string, region = 'global') =>
    runner.bind({ cloud: 'azure', account: subscriptionId, region })
  return { meter, runner, clients, runFor }
}

export function azureTargets(
  targets: readonly MetricTarget[],
  opts: { metrics?: MetricDefinition[]; metricsByType?: Record<string, MetricDefinition[]> },
): AzTarget[] {
  const out: AzTarget[] = []
  for (const t of targets) {
    if (!isAzureResourceType(t.type)) continue
    const namespace = AZURE_METRIC_NAMESPACES[t.type]
    const defs = opts.metricsByType?.[t.type] ?? opts.metrics ?? AZURE_METRIC_CATALOG[t.type]
    const id = parseArmId(t.nativeId)
    if (!namespace || !defs.length || !id) continue
    // A tenant's custom metric may live in another namespace; it then forms its own batch.
    for (const [ns, group] of groupBy(defs, (d) => d.namespace ?? namespace))
      out.push({
        resourceId: t.nativeId,
        subscriptionId: id.subscriptionId,
        region: normalizeLocation(t.region),
        namespace: ns,
        defs: group,
      })
  }
  return out
}

export const azureProvider: Provider<'azure'> = {
  cloud: 'azure',

  async verify(creds, ctx): Promise<VerifyResult> {
    const { meter, clients, runFor } = session(creds, ctx)
    const checks: VerifyCheck[] = []
    const first = creds.subscriptionIds[0] as string
    // The token exchange proves tenant, client id and secret.
    checks.push(
      await check('identity', 'Entra ID client credentials', () =>
        runFor(first)({ api: 'entra', operation: 'getToken' }, async () => {
          const t = await clients.credential.getToken('https://management.azure.com/.default')
          if (!t)
            throw new AppError('credentials_invalid', 'Azure returned no token for the service principal')
          return t
        }),
      ),
    )
    const regions = new Set<string>()
    if (checks[0]?.ok) {
      for (const sub of creds.subscriptionIds) {
        const s = { subscriptionId: sub, run: runFor(sub) }
        for (const type of AZURE_RESOURCE_TYPES) {
          const lister = AZURE_INVENTORY[type]
          checks.push(
            await check('inventory', `${lister.permission} (subscription ${sub})`, () =>
              lister.probe(clients, s),
            ),
          )
        }
        checks.push(
          await check('metrics', `Microsoft.Insights/metrics/read (subscription ${sub})`, async () => {
            // Reading a resource group list is the cheapest call that the Reader/Monitoring Reader role gates like metrics.
            await s.run({ api: 'azure.arm', operation: 'resourceGroups.list' }, async () => {
              const page = await clients.resources(sub).resourceGroups.list().byPage().next()
              for (const rg of page.value ?? []) if (rg.location) regions.add(normalizeLocation(rg.location))
            })
          }),
        )
        checks.push(
          await check('costs', `Microsoft.CostManagement/query/action (subscription ${sub})`, () => {
            const today = isoDay(ctx.now?.() ?? new Date())
            return fetchAzureDailyCosts(clients.costs(), sub, { from: today, to: today }, s.run)
          }),
        )
      }
    }
    return {
      ok: checks.every((c) => c.ok),
      identity: creds.clientId,
      accountNativeIds: checks[0]?.ok ? creds.subscriptionIds : [],
      checks,
      regions: { enabled: [...regions].sort(), disabled: [] },
      calls: meter.snapshot(),
    }
  },

  inventory: {
    /** Regions where the subscriptions have resource groups (ARM has no cheaper per-subscription region list in these SDKs). */
    async listRegions(creds, ctx) {
      const { meter, clients, runFor } = session(creds, ctx)
      const regions = new Set<string>()
      for (const sub of creds.subscriptionIds) {
        const run = runFor(sub)
        let token: string | undefined
        do {
          const t = token
          const page = await run({ api: 'azure.arm', operation: 'resourceGroups.list' }, async () => {
            const r = await clients
              .resources(sub)
              .resourceGroups.list()
              .byPage(t ? { continuationToken: t } : undefined)
              .next()
            return r.done
              ? { items: [], next: undefined }
              : { items: r.value, next: r.value.continuationToken }
          })
          for (const rg of page.items) if (rg.location) regions.add(normalizeLocation(rg.location))
          token = page.next
        } while (token)
      }
      return { regions: [...regions].sort(), calls: meter.snapshot() }
    },

    async discover(creds, opts, ctx): Promise<InventoryResult> {
      const { meter, clients, runFor } = session(creds, ctx)
      const wanted = new Set(opts.regions.map(normalizeLocation))
      const resources: NormalizedResource[] = []
      const errors: RegionError[] = []
      await mapLimit(creds.subscriptionIds, 4, async (sub) => {
        const s = { subscriptionId: sub, run: runFor(sub) }
        const types = [...AZURE_RESOURCE_TYPES] as AzureResourceType[]
        const settled = await Promise.allSettled(types.map((t) => AZURE_INVENTORY[t].list(clients, s)))
        settled.forEach((r, i) => {
          if (r.status === 'fulfilled')
            resources.push(...r.value.filter((x) => !wanted.size || wanted.has(x.region)))
          // ARM lists are subscription-wide, so a failure concerns every region of the subscription.
          else
            for (const region of wanted.size ? wanted : new Set(['*']))
              errors.push({
                region,
                type: types[i] as string,
                ...asCloudError(r.reason),
                message: `${asCloudError(r.reason).message} (subscription ${sub})`,
              })
        })
      })
      throwIfAccountWideFailure(resources, errors, { calls: meter.snapshot() })
      return { resources, errors, calls: meter.snapshot() }
    },
  },

  metrics: {
    catalog: (type) => (isAzureResourceType(type) ? AZURE_METRIC_CATALOG[type] : []),

    /** Targets may span regions and subscriptions of the credentials: getBatch groups them itself. */
    async fetch(creds, opts, ctx): Promise<MetricsResult> {
      const now = ctx.now?.() ?? new Date()
      const batches = planGetBatch(azureTargets(opts.targets, opts), opts.window, now)
      if (!batches.length) return { points: [], calls: [] }
      const { meter, clients, runFor } = session(creds, ctx)
      const parts = await mapLimit(batches, 10, (b) =>
        fetchGetBatch(clients.metrics(b.region), b, runFor(b.subscriptionId, b.region)),
      )
      const points: MetricPoint[] = parts.flat()
      return { points, calls: meter.snapshot() }
    },
  },

  costs: {
    async fetchDaily(creds, opts, ctx): Promise<CostsResult> {
      const { meter, clients, runFor } = session(creds, ctx)
      const today = isoDay(ctx.now?.() ?? new Date())
      const to = opts.to > today ? today : opts.to
      const from = [opts.from, addDays(to, -(COST_REREAD_DAYS - 1))].sort()[0] as string
      const rows: CostRow[] = []
      for (const sub of creds.subscriptionIds)
        rows.push(...(await fetchAzureDailyCosts(clients.costs(), sub, { from, to }, runFor(sub))))
      return { rows: sumCostRows(rows), calls: meter.snapshot() }
    },
  },
}
