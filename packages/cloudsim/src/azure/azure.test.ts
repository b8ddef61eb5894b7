import { ComputeManagementClient } from '@azure/arm-compute'
import { CostManagementClient } from '@azure/arm-costmanagement'
import { MonitorClient } from '@azure/arm-monitor'
import { NetworkManagementClient } from '@azure/arm-network'
import { ResourceManagementClient } from '@azure/arm-resources'
import { SqlManagementClient } from '@azure/arm-sql'
import { ClientSecretCredential } from '@azure/identity'
import { MetricsClient } from '@azure/monitor-query-metrics'
import { afterEach, describe, expect, it } from 'vitest'
import { aggregateBuckets } from '../world/metrics'
import { dailyCosts, DAY, dayString } from '../world/costs'
import { accountOf, useCloudSim } from '../testing/sim-fixture'

const getSim = useCloudSim()
afterEach(() => getSim().control.reset())
const ARM_SCOPE = 'https://management.azure.com/.default'

function setup(secret?: string) {
  const sim = getSim()
  const a = accountOf(sim, 'azure')
  const c = a.credentials
  const credential = new ClientSecretCredential(c.tenantId, c.clientId, secret ?? c.clientSecret, {
    authorityHost: sim.urls.azure,
    disableInstanceDiscovery: true,
    tlsOptions: { ca: sim.caCertPem },
  })
  const opts = {
    endpoint: sim.urls.azure,
    tlsOptions: { ca: sim.caCertPem },
    credentialScopes: [ARM_SCOPE],
    credentials: { scopes: [ARM_SCOPE] },
    retryOptions: { maxRetries: 0 },
  }
  const sub = c.subscriptionIds[0] ?? ''
  return { sim, a, sub, credential, opts }
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const x of it) out.push(x)
  return out
}

describe('Entra ID', () => {
  it('issues tokens for the right secret only', async () => {
    const { credential, sim, a } = setup()
    const t = await credential.getToken(ARM_SCOPE)
    expect(t.token).toMatch(/^simaz\./)
    const bad = new ClientSecretCredential(a.credentials.tenantId, a.credentials.clientId, 'wrong-secret', {
      authorityHost: sim.urls.azure,
      disableInstanceDiscovery: true,
      tlsOptions: { ca: sim.caCertPem },
    })
    await expect(bad.getToken(ARM_SCOPE)).rejects.toThrow(/AADSTS7000215/)
    const unknownApp = new ClientSecretCredential(
      a.credentials.tenantId,
      '00000000-0000-0000-0000-000000000000',
      'x',
      { authorityHost: sim.urls.azure, disableInstanceDiscovery: true, tlsOptions: { ca: sim.caCertPem } },
    )
    await expect(unknownApp.getToken(ARM_SCOPE)).rejects.toThrow(/AADSTS700016/)
  })
})

describe('ARM', () => {
  it('lists VMs with statusOnly power state and absolute nextLink paging', async () => {
    const { sim, sub, credential, opts, a } = setup()
    for (let i = 0; i < 3; i++)
      sim.control.createResource({
        cloud: 'azure',
        account: sub,
        region: 'eastus',
        type: 'azure.vm',
        name: `extra-${i}`,
        tags: { 서비스: '결제' },
      })
    const first = sim.control.resources({ cloud: 'azure', type: 'azure.vm' })[0]
    if (first) sim.control.setResourceState(first.id, 'stopped')
    sim.control.setLimits({ azurePageSize: 2 })
    sim.control.resetCalls()
    const compute = new ComputeManagementClient(credential, sub, opts)
    const vms = await collect(compute.virtualMachines.listAll({ statusOnly: 'true' }))
    expect(vms).toHaveLength(5)
    expect(sim.control.calls().rows.find((r) => r.operation === 'VirtualMachines_ListAll')?.calls).toBe(3)
    const power = vms.map(
      (v) => v.instanceView?.statuses?.find((s) => s.code?.startsWith('PowerState/'))?.code,
    )
    expect(power.filter((p) => p === 'PowerState/deallocated')).toHaveLength(1)
    expect(power.filter((p) => p === 'PowerState/running')).toHaveLength(4)
    expect(vms[0]?.hardwareProfile?.vmSize).toMatch(/^Standard_/)
    expect(vms[0]?.timeCreated).toBeInstanceOf(Date)
    expect(vms.some((v) => v.tags?.['서비스'] === '결제')).toBe(true)
    // Compute upper-cases the resource group in ids; the generic list keeps it.
    expect(vms[0]?.id).toMatch(/\/resourceGroups\/RG-[A-Z]+\//)
    const byRg = await collect(compute.virtualMachines.list('rg-prod'))
    expect(byRg.length).toBeLessThanOrEqual(5)
    void a
  })

  it('lists SQL servers + databases, virtual networks and generic resources', async () => {
    const { sub, credential, opts } = setup()
    const sql = new SqlManagementClient(credential, sub, opts)
    const servers = await collect(sql.servers.list())
    expect(servers).toHaveLength(1)
    const server = servers[0]
    const rg = server?.id?.split('/')[4] ?? ''
    const dbs = await collect(sql.databases.listByServer(rg, server?.name ?? ''))
    expect(dbs[0]?.status).toBe('Online')
    expect(dbs[0]?.creationDate).toBeInstanceOf(Date)
    const network = new NetworkManagementClient(credential, sub, opts)
    const vnets = await collect(network.virtualNetworks.listAll())
    expect(vnets[0]?.addressSpace?.addressPrefixes?.[0]).toMatch(/^10\./)
    const resources = new ResourceManagementClient(credential, sub, opts)
    const all = await collect(resources.resources.list())
    expect(all.map((r) => r.type)).toContain('Microsoft.Compute/virtualMachines')
    const onlyVms = await collect(
      resources.resources.list({ filter: "resourceType eq 'Microsoft.Compute/virtualMachines'" }),
    )
    expect(onlyVms.every((r) => r.type === 'Microsoft.Compute/virtualMachines')).toBe(true)
  })

  it('rejects other subscriptions (403/404), revoked principals (401) and throttles with Retry-After', async () => {
    const { sim, sub, credential, opts, a } = setup()
    const compute = new ComputeManagementClient(credential, '11111111-2222-3333-4444-555555555555', opts)
    await expect(collect(compute.virtualMachines.listAll())).rejects.toMatchObject({
      statusCode: 404,
      code: 'SubscriptionNotFound',
    })
    sim.control.addFault({ cloud: 'azure', api: 'arm.network', throttleRate: 1 })
    const network = new NetworkManagementClient(credential, sub, opts)
    const err = await collect(network.virtualNetworks.listAll()).catch((e: unknown) => e)
    expect(err).toMatchObject({ statusCode: 429 })
    sim.control.clearFaults()
    sim.control.addFault({ cloud: 'azure', api: 'arm.network', throttleRate: 0.5 })
    const retrying = new NetworkManagementClient(credential, sub, {
      ...opts,
      retryOptions: { maxRetries: 2 },
    })
    expect(await collect(retrying.virtualNetworks.listAll())).toHaveLength(1)
    sim.control.clearFaults()
    sim.control.addFault({ cloud: 'azure', account: sub, api: 'arm.sql', deny: true })
    await expect(
      collect(new SqlManagementClient(credential, sub, opts).servers.list()),
    ).rejects.toMatchObject({ statusCode: 403, code: 'AuthorizationFailed' })
    sim.control.revokeCredentials('azure', a.id)
    await expect(
      collect(new ResourceManagementClient(credential, sub, opts).resources.list()),
    ).rejects.toMatchObject({ statusCode: 401 })
    await sim.control.rotateCredentials('azure', a.id)
  })

  it('enforces the ARM read bucket with 429 + Retry-After and reports remaining reads', async () => {
    const { sim, sub, credential } = setup()
    sim.control.setLimits({ armReadBucket: 3 })
    const token = await credential.getToken(ARM_SCOPE)
    const url = `${sim.urls.azure}/subscriptions/${sub}/resources?api-version=2025-04-01`
    const https = await import('node:https')
    const get = () =>
      new Promise<{ status: number; headers: Record<string, string | string[] | undefined> }>(
        (resolve, reject) => {
          https
            .get(url, { ca: sim.caCertPem, headers: { authorization: `Bearer ${token.token}` } }, (res) => {
              res.resume()
              res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }))
            })
            .on('error', reject)
        },
      )
    const replies = [await get(), await get(), await get(), await get()]
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 429])
    expect(replies[0]?.headers['x-ms-ratelimit-remaining-subscription-reads']).toBe('2')
    expect(Number(replies[3]?.headers['retry-after'])).toBeGreaterThanOrEqual(1)
  })
})

describe('Azure Monitor', () => {
  it('per-resource metrics (arm-monitor) return the exact truth', async () => {
    const { sim, credential, opts, sub } = setup()
    const vm = sim.control.resources({ cloud: 'azure', type: 'azure.vm' }).find((r) => r.state === 'running')
    if (!vm) throw new Error('no vm')
    const end = Math.floor(sim.world.nowSeconds() / 3600) * 3600 - 3600
    const start = end - 3600
    const monitor = new MonitorClient(credential, sub, opts)
    const out = await monitor.metrics.list(vm.id, {
      timespan: `${new Date(start * 1000).toISOString()}/${new Date(end * 1000).toISOString()}`,
      interval: 'PT5M',
      metricnames: 'Percentage CPU,Network In Total',
      aggregation: 'Average,Maximum',
    })
    const cpu = out.value.find((m) => m.name.value === 'Percentage CPU')
    const data = cpu?.timeseries?.[0]?.data ?? []
    expect(data).toHaveLength(12)
    expect(data[0]?.timeStamp).toBeInstanceOf(Date)
    const truth = aggregateBuckets(sim.world, vm.id, 'Percentage CPU', {
      startSec: start,
      endSec: end,
      periodSec: 300,
      stat: 'Maximum',
    })
    expect(data.map((d) => d.maximum)).toEqual(truth.map((b) => b.value))
    await expect(monitor.metrics.list(vm.id, { metricnames: 'Bogus Metric' })).rejects.toMatchObject({
      statusCode: 400,
    })
  })

  it('metrics:getBatch takes ≤ 50 resources and returns each resource’s series', async () => {
    const { sim, credential, sub } = setup()
    const vms = sim.control.resources({ cloud: 'azure', type: 'azure.vm', region: 'koreacentral' })
    const client = new MetricsClient(sim.urls.azure, credential, {
      tlsOptions: { ca: sim.caCertPem },
      retryOptions: { maxRetries: 0 },
    })
    const end = new Date((Math.floor(sim.world.nowSeconds() / 3600) * 3600 - 3600) * 1000)
    const start = new Date(end.getTime() - 3600_000)
    sim.control.resetCalls()
    const res = await client.queryResources(
      vms.map((v) => v.id),
      ['Percentage CPU', 'Network In Total'],
      'Microsoft.Compute/virtualMachines',
      { startTime: start, endTime: end, interval: 'PT15M', aggregation: 'average' },
    )
    expect(res).toHaveLength(vms.length)
    const first = res[0]
    const truth = aggregateBuckets(sim.world, first?.resourceId ?? '', 'Percentage CPU', {
      startSec: start.getTime() / 1000,
      endSec: end.getTime() / 1000,
      periodSec: 900,
      stat: 'Average',
    })
    expect(first?.metrics[0]?.timeseries?.[0]?.data?.map((d) => d.average)).toEqual(truth.map((b) => b.value))
    expect(sim.control.calls().rows.find((r) => r.operation === 'MetricsBatch_Batch')).toMatchObject({
      calls: 1,
      billableUnits: vms.length * 2,
      account: sub,
    })
    const fiftyOne = Array.from({ length: 51 }, () => vms[0]?.id ?? '')
    await expect(
      client.queryResources(fiftyOne, ['Percentage CPU'], 'Microsoft.Compute/virtualMachines', {
        startTime: start,
        endTime: end,
      }),
    ).rejects.toMatchObject({ statusCode: 400 })
  })
})

describe('Cost Management', () => {
  it('query.usage returns daily cost by ServiceName and ResourceLocation', async () => {
    const { sim, credential, opts, sub } = setup()
    const cm = new CostManagementClient(credential, opts)
    const to = dayString(sim.world.nowSeconds() - DAY)
    const from = dayString(sim.world.nowSeconds() - 7 * DAY)
    const out = await cm.query.usage(`/subscriptions/${sub}`, {
      type: 'ActualCost',
      timeframe: 'Custom',
      timePeriod: { from: new Date(`${from}T00:00:00Z`), to: new Date(`${to}T23:59:59Z`) },
      dataset: {
        granularity: 'Daily',
        aggregation: { totalCost: { name: 'Cost', function: 'Sum' } },
        grouping: [
          { type: 'Dimension', name: 'ServiceName' },
          { type: 'Dimension', name: 'ResourceLocation' },
        ],
      },
    })
    expect(out.columns?.map((c) => c.name)).toEqual([
      'Cost',
      'UsageDate',
      'ServiceName',
      'ResourceLocation',
      'Currency',
    ])
    const truth = dailyCosts(
      sim.world.resourcesOf(sub),
      from,
      dayString(sim.world.nowSeconds()),
      sim.world.nowSeconds(),
    )
    const total = (out.rows ?? []).reduce((s, r) => s + Number(r[0]), 0)
    expect(total).toBeCloseTo(
      truth.reduce((s, r) => s + r.amount, 0),
      4,
    )
    expect((out.rows ?? [])[0]?.[1]).toBe(Number(from.replace(/-/g, '')))
    expect((out.rows ?? []).some((r) => r[2] === 'Virtual Machines')).toBe(true)
  })
})
