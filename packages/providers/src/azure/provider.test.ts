import { parseCredentials } from '@cms/core'
import { accountOf, useCloudSim } from '@cms/cloudsim/testing/sim-fixture'
import { afterEach, describe, expect, it } from 'vitest'
import { callsOf, simCalls, simContext } from '../../testing/sim-context'
import { clearAzureCredentialCache } from './clients'
import { azureProvider } from './provider'

const getSim = useCloudSim({ seed: 12, scenario: 'minimal' })
const creds = () => parseCredentials('azure', accountOf(getSim(), 'azure').credentials)
const inventory = azureProvider.inventory!
const metrics = azureProvider.metrics!
const window = () => ({ from: new Date(Date.now() - 3600_000), to: new Date() })

afterEach(() => getSim().control.reset())

describe('azure verify', () => {
  it('proves the service principal and each capability', async () => {
    const sim = getSim()
    const a = accountOf(sim, 'azure')
    const r = await azureProvider.verify(creds(), simContext(sim))
    expect(r.checks.filter((c) => !c.ok)).toEqual([])
    expect(r.ok).toBe(true)
    expect(r.accountNativeIds).toEqual(a.credentials.subscriptionIds)
    expect(r.regions.enabled.length).toBeGreaterThan(0)
  })

  it('names the missing permission', async () => {
    const sim = getSim()
    sim.control.addFault({ cloud: 'azure', api: 'arm.network', deny: true })
    const r = await azureProvider.verify(creds(), simContext(sim))
    expect(r.ok).toBe(false)
    expect(r.checks.filter((c) => !c.ok)).toEqual([
      expect.objectContaining({
        code: 'access_denied',
        permission: expect.stringContaining('Microsoft.Network/virtualNetworks/read'),
      }),
    ])
  })
})

describe('azure inventory', () => {
  it('finds VMs (with power state), SQL databases and virtual networks', async () => {
    const sim = getSim()
    const a = accountOf(sim, 'azure')
    const ctx = simContext(sim)
    const r = await inventory.discover(creds(), { regions: [] }, ctx)
    expect(r.errors).toEqual([])
    const truth = sim.control
      .resources({ cloud: 'azure' })
      .filter((x) => x.type !== 'azure.sql_server' && a.nativeIds.includes(x.account))
    expect(r.resources.map((x) => x.nativeId.toLowerCase()).sort()).toEqual(
      truth.map((x) => x.id.toLowerCase()).sort(),
    )
    const vm = r.resources.find((x) => x.type === 'azure.vm')
    expect(vm).toMatchObject({ cloud: 'azure', state: 'running' })
    expect(vm?.attributes.vmSize).toBeTruthy()
    expect(r.resources.find((x) => x.type === 'azure.vnet')?.attributes.cidr).toMatch(/\/\d+$/)
    expect(r.resources.find((x) => x.type === 'azure.sql_database')?.attributes.server).toBeTruthy()
  })

  it('pages nextLinks, one counted call per page', async () => {
    const sim = getSim()
    const a = accountOf(sim, 'azure')
    sim.control.setLimits({ azurePageSize: 2 })
    const sub = a.credentials.subscriptionIds[0] as string
    const region = a.regions[0] as string
    for (let i = 0; i < 5; i++)
      sim.control.createResource({ account: sub, region, type: 'azure.vm', name: `page-vm-${i}` })
    sim.control.resetCalls()
    const r = await inventory.discover(creds(), { regions: [] }, simContext(sim))
    const vms = r.resources.filter((x) => x.type === 'azure.vm').length
    expect(callsOf(r.calls, 'virtualMachines.listAll')).toBe(Math.ceil(vms / 2))
    expect(simCalls(sim, 'VirtualMachines_ListAll')).toBe(Math.ceil(vms / 2))
  })

  it('absorbs 429 storms (Retry-After honoured)', async () => {
    const sim = getSim()
    sim.control.addFault({ cloud: 'azure', api: 'arm.compute', throttleRate: 0.5 })
    const r = await inventory.discover(creds(), { regions: [] }, simContext(sim))
    expect(r.errors).toEqual([])
    expect(r.calls.find((c) => c.operation === 'virtualMachines.listAll')?.throttled).toBeGreaterThan(0)
  })

  it('a revoked secret is credentials_invalid', async () => {
    const sim = getSim()
    const a = accountOf(sim, 'azure')
    clearAzureCredentialCache()
    const c = creds()
    sim.control.revokeCredentials('azure', a.id)
    try {
      const v = await azureProvider.verify(c, simContext(sim))
      expect(v.ok).toBe(false)
      expect(v.checks[0], JSON.stringify(v.checks[0])).toMatchObject({
        capability: 'identity',
        code: 'credentials_invalid',
      })
      await expect(inventory.discover(c, { regions: [] }, simContext(sim))).rejects.toMatchObject({
        code: 'credentials_invalid',
      })
    } finally {
      await sim.control.rotateCredentials('azure', a.id)
      clearAzureCredentialCache()
    }
  })
})

describe('azure metrics', () => {
  it('batches ≤ 50 resources per metrics:getBatch call', async () => {
    const sim = getSim()
    const a = accountOf(sim, 'azure')
    const sub = a.credentials.subscriptionIds[0] as string
    const region = a.regions[0] as string
    const existing = sim.control.resources({ cloud: 'azure', account: sub, region, type: 'azure.vm' })
    for (let i = existing.length; i < 120; i++)
      sim.control.createResource({ account: sub, region, type: 'azure.vm', name: `mvm-${i}` })
    const targets = sim.control
      .resources({ cloud: 'azure', account: sub, region, type: 'azure.vm' })
      .map((x) => ({ type: 'azure.vm', nativeId: x.id, region }))
    sim.control.resetCalls()
    const r = await metrics.fetch(creds(), { region, targets, window: window() }, simContext(sim))
    expect(callsOf(r.calls, 'getBatch')).toBe(Math.ceil(targets.length / 50))
    expect(simCalls(sim, 'MetricsBatch_Batch')).toBe(Math.ceil(targets.length / 50))
    const old = new Set(existing.map((x) => x.id.toLowerCase()))
    const cpu = r.points.filter((p) => p.metric === 'Percentage CPU' && old.has(p.nativeId.toLowerCase()))
    expect(cpu.length).toBeGreaterThan(0)
    const p = cpu[0]!
    const sec = p.ts.getTime() / 1000
    const [truth] = sim.control.metricTruth({
      resourceId: p.nativeId,
      metric: 'Percentage CPU',
      startSec: sec,
      endSec: sec + 300,
      periodSec: 300,
      stat: 'Average',
    })
    expect(p.value).toBeCloseTo(truth!.value, 6)
    expect(new Set(r.points.map((x) => x.metric))).toEqual(
      new Set(metrics.catalog('azure.vm').map((d) => d.metric)),
    )
  })

  it('a throttled or garbled getBatch is retried; a persistently garbled one is bad_response', async () => {
    const sim = getSim()
    const a = accountOf(sim, 'azure')
    const targets = sim.control
      .resources({ cloud: 'azure', type: 'azure.vm' })
      .filter((x) => a.nativeIds.includes(x.account))
      .slice(0, 60)
      .map((x) => ({ type: x.type, nativeId: x.id, region: x.region }))
    const w = window()
    const calm = await metrics.fetch(creds(), { region: '*', targets, window: w }, simContext(sim))
    sim.control.addFault({ cloud: 'azure', api: 'azure.monitor', throttleRate: 0.5 })
    const storm = await metrics.fetch(creds(), { region: '*', targets, window: w }, simContext(sim))
    expect(storm.points.length).toBe(calm.points.length)
    sim.control.reset()
    sim.control.addFault({ cloud: 'azure', api: 'azure.monitor', malformedRate: 1 })
    await expect(
      metrics.fetch(creds(), { region: '*', targets, window: w }, simContext(sim)),
    ).rejects.toMatchObject({ code: 'bad_response' })
  })

  it('SQL database metrics come back too', async () => {
    const sim = getSim()
    const a = accountOf(sim, 'azure')
    const targets = sim.control
      .resources({ cloud: 'azure', type: 'azure.sql_database' })
      .filter((x) => a.nativeIds.includes(x.account))
      .map((x) => ({ type: x.type, nativeId: x.id, region: x.region }))
    const r = await metrics.fetch(
      creds(),
      { region: targets[0]!.region, targets, window: window() },
      simContext(sim),
    )
    expect(new Set(r.points.map((x) => x.metric))).toContain('cpu_percent')
  })
})

describe('azure costs', () => {
  it('reads daily costs by service and location, re-reading the last 3 days', async () => {
    const sim = getSim()
    const today = new Date().toISOString().slice(0, 10)
    const r = await azureProvider.costs!.fetchDaily(creds(), { from: today, to: today }, simContext(sim))
    expect(new Set(r.rows.map((x) => x.day)).size).toBeGreaterThanOrEqual(3)
    expect(r.rows.some((x) => x.region !== 'global' && x.amount > 0)).toBe(true)
    expect(callsOf(r.calls, 'query.usage')).toBe(1)
  })
})
