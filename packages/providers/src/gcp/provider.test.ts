import { parseCredentials } from '@cms/core'
import { accountOf, useCloudSim } from '@cms/cloudsim/testing/sim-fixture'
import { afterEach, describe, expect, it } from 'vitest'
import { callsOf, simCalls, simContext } from '../../testing/sim-context'
import { gcpProvider } from './provider'

const getSim = useCloudSim({ seed: 13, scenario: 'minimal' })
const creds = () => parseCredentials('gcp', accountOf(getSim(), 'gcp').credentials)
const inventory = gcpProvider.inventory!
const metrics = gcpProvider.metrics!
const window = () => ({ from: new Date(Date.now() - 3600_000), to: new Date() })

afterEach(() => getSim().control.reset())

describe('gcp verify', () => {
  it('proves the key (self-signed JWT, no token endpoint) and each capability', async () => {
    const sim = getSim()
    const a = accountOf(sim, 'gcp')
    const r = await gcpProvider.verify(creds(), simContext(sim))
    expect(r.checks.filter((c) => !c.ok)).toEqual([])
    expect(r.ok).toBe(true)
    expect(r.identity).toBe(a.credentials.client_email)
    expect(r.regions.enabled).toEqual(expect.arrayContaining(a.regions))
  })

  it('names the missing permission', async () => {
    const sim = getSim()
    sim.control.addFault({ cloud: 'gcp', api: 'gcp.sql', deny: true })
    const r = await gcpProvider.verify(creds(), simContext(sim))
    expect(r.checks.filter((c) => !c.ok)).toEqual([
      expect.objectContaining({
        code: 'access_denied',
        permission: expect.stringContaining('cloudsql.instances.list'),
      }),
    ])
  })

  it('a deleted key is credentials_invalid', async () => {
    const sim = getSim()
    const a = accountOf(sim, 'gcp')
    const c = creds()
    sim.control.revokeCredentials('gcp', a.id)
    try {
      const v = await gcpProvider.verify(c, simContext(sim))
      expect(v.checks[0]).toMatchObject({ ok: false, code: 'credentials_invalid' })
      await expect(inventory.discover(c, { regions: [] }, simContext(sim))).rejects.toMatchObject({
        code: 'credentials_invalid',
      })
    } finally {
      await sim.control.rotateCredentials('gcp', a.id)
    }
  })
})

describe('gcp inventory', () => {
  it('finds instances, Cloud SQL instances and VPC networks', async () => {
    const sim = getSim()
    const a = accountOf(sim, 'gcp')
    const r = await inventory.discover(creds(), { regions: [] }, simContext(sim))
    expect(r.errors).toEqual([])
    const truth = sim.control.resources({ cloud: 'gcp' }).filter((x) => a.nativeIds.includes(x.account))
    expect(r.resources).toHaveLength(truth.length)
    const byType = (t: string) => r.resources.filter((x) => x.type === t)
    expect(
      byType('gcp.instance')
        .map((x) => x.nativeId)
        .sort(),
    ).toEqual(
      truth
        .filter((x) => x.type === 'gcp.instance')
        .map((x) => x.id)
        .sort(),
    )
    expect(byType('gcp.instance')[0]).toMatchObject({ state: 'running' })
    expect(byType('gcp.instance')[0]?.attributes.machineType).toBeTruthy()
    expect(byType('gcp.sql_instance')[0]?.attributes.engine).toMatch(/POSTGRES|MYSQL|SQLSERVER/)
    expect(byType('gcp.network')).toHaveLength(truth.filter((x) => x.type === 'gcp.network').length)
  })

  it('pages aggregated lists and counts every page', async () => {
    const sim = getSim()
    const a = accountOf(sim, 'gcp')
    const project = a.nativeIds[0] as string
    // 500 per page (the API maximum): 501+ instances need a second page.
    for (let i = 0; i < 501; i++)
      sim.control.createResource({
        account: project,
        region: a.regions[0] as string,
        type: 'gcp.instance',
        name: `page-gce-${i}`,
      })
    sim.control.resetCalls()
    const r = await inventory.discover(creds(), { regions: [] }, simContext(sim))
    const n = r.resources.filter((x) => x.type === 'gcp.instance').length
    expect(n).toBeGreaterThan(501)
    expect(callsOf(r.calls, 'instances.aggregatedList')).toBe(simCalls(sim, 'instances.aggregatedList'))
    expect(callsOf(r.calls, 'instances.aggregatedList')).toBeGreaterThan(1)
  })

  it('absorbs 429 storms', async () => {
    const sim = getSim()
    sim.control.addFault({ cloud: 'gcp', api: 'gcp.sql', throttleRate: 0.5 })
    sim.control.addFault({ cloud: 'gcp', operation: 'networks.list', throttleRate: 0.5 })
    const r = await inventory.discover(creds(), { regions: [] }, simContext(sim))
    expect(r.errors).toEqual([])
    expect(r.calls.reduce((n, c) => n + (c.throttled ?? 0), 0)).toBeGreaterThan(0)
  })
})

describe('gcp metrics', () => {
  it('one timeSeries.list per metric type per project, whatever the number of resources', async () => {
    const sim = getSim()
    const a = accountOf(sim, 'gcp')
    const targets = sim.control
      .resources({ cloud: 'gcp' })
      .filter(
        (x) => a.nativeIds.includes(x.account) && x.type !== 'gcp.network' && !x.name.startsWith('page-'),
      )
      .map((x) => ({
        type: x.type,
        nativeId: x.type === 'gcp.sql_instance' ? `${x.account}:${x.name}` : x.id,
        region: x.region,
        accountNativeId: x.account,
      }))
    sim.control.resetCalls()
    const r = await metrics.fetch(creds(), { region: 'global', targets, window: window() }, simContext(sim))
    const types = metrics.catalog('gcp.instance').length + metrics.catalog('gcp.sql_instance').length
    expect(callsOf(r.calls, 'timeSeries.list')).toBe(types)
    expect(simCalls(sim, 'timeSeries.list')).toBe(types)
    expect(new Set(r.points.map((p) => p.metric))).toEqual(
      new Set(
        [...metrics.catalog('gcp.instance'), ...metrics.catalog('gcp.sql_instance')].map((d) => d.metric),
      ),
    )
    const cpu = r.points.find((p) => p.metric === 'compute.googleapis.com/instance/cpu/utilization')!
    expect(cpu.value).toBeGreaterThanOrEqual(0)
    expect(cpu.value).toBeLessThanOrEqual(1)
  })
})

describe('gcp faults on metrics', () => {
  it('429 storms lose nothing; garbled bodies end as bad_response', async () => {
    const sim = getSim()
    const a = accountOf(sim, 'gcp')
    const targets = sim.control
      .resources({ cloud: 'gcp', type: 'gcp.instance' })
      .filter((x) => a.nativeIds.includes(x.account) && !x.name.startsWith('page-'))
      .map((x) => ({ type: x.type, nativeId: x.id, region: x.region, accountNativeId: x.account }))
    const w = window()
    const calm = await metrics.fetch(creds(), { region: 'global', targets, window: w }, simContext(sim))
    sim.control.addFault({ cloud: 'gcp', api: 'gcp.monitoring', throttleRate: 0.5 })
    const storm = await metrics.fetch(creds(), { region: 'global', targets, window: w }, simContext(sim))
    expect(storm.points.length).toBe(calm.points.length)
    expect(storm.calls[0]?.throttled).toBeGreaterThan(0)
    sim.control.reset()
    sim.control.addFault({ cloud: 'gcp', api: 'gcp.monitoring', malformedRate: 1 })
    await expect(
      metrics.fetch(creds(), { region: 'global', targets, window: w }, simContext(sim)),
    ).rejects.toMatchObject({ code: 'bad_response' })
  })
})

describe('gcp costs', () => {
  it('reads the BigQuery billing export daily by service, re-reading the last 3 days', async () => {
    const sim = getSim()
    const today = new Date().toISOString().slice(0, 10)
    const r = await gcpProvider.costs!.fetchDaily(creds(), { from: today, to: today }, simContext(sim))
    expect(new Set(r.rows.map((x) => x.day)).size).toBeGreaterThanOrEqual(3)
    expect(r.rows.some((x) => x.amount > 0 && x.service.length > 0)).toBe(true)
    expect(callsOf(r.calls, 'jobs.query')).toBe(1)
    // Bytes scanned are the billable unit (10 MiB minimum), priced at $6.25/TiB.
    expect(r.calls.find((c) => c.operation === 'jobs.query')?.billableUnits).toBeGreaterThanOrEqual(
      10 * 1024 ** 2,
    )
    expect(r.calls.find((c) => c.operation === 'jobs.query')?.costUsd).toBeGreaterThan(0)
  })
})
