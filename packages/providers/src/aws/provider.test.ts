import { parseCredentials } from '@cms/core'
import { accountOf, useCloudSim } from '@cms/cloudsim/testing/sim-fixture'
import { afterEach, describe, expect, it } from 'vitest'
import { callsOf, simCalls, simContext } from '../../testing/sim-context'
import { awsProvider } from './provider'

const getSim = useCloudSim({ seed: 11, scenario: 'minimal' })
const creds = (method: 'assumeRole' | 'accessKeys' = 'assumeRole') =>
  parseCredentials('aws', accountOf(getSim(), 'aws').credentials[method])
const inventory = awsProvider.inventory!
const metrics = awsProvider.metrics!
const costs = awsProvider.costs!

afterEach(() => getSim().control.reset())

describe('aws verify', () => {
  it('proves access with the role and ExternalId, lists enabled and disabled regions', async () => {
    const sim = getSim()
    const a = accountOf(sim, 'aws')
    const r = await awsProvider.verify(creds(), simContext(sim))
    expect(r.checks.filter((c) => !c.ok)).toEqual([])
    expect(r.ok).toBe(true)
    expect(r.accountNativeIds).toEqual([a.id])
    expect(r.identity).toContain(':assumed-role/')
    expect(r.regions.enabled).toEqual(expect.arrayContaining(a.regions))
    expect(r.regions.disabled).toEqual(expect.arrayContaining(a.disabledRegions ?? []))
    expect(r.checks.map((c) => c.permission)).toEqual(
      expect.arrayContaining([
        'sts:AssumeRole',
        'ec2:DescribeInstances',
        'cloudwatch:GetMetricData',
        'ce:GetCostAndUsage',
      ]),
    )
  })

  it('role credentials stored without base keys use our poller keys from the context, and only them', async () => {
    const sim = getSim()
    const { roleArn, externalId } = accountOf(sim, 'aws').credentials.assumeRole
    const stored = parseCredentials('aws', { method: 'assumeRole', roleArn, externalId })
    const poller = sim.control.poller()
    const ok = await awsProvider.verify(stored, {
      ...simContext(sim),
      awsPoller: { accessKeyId: poller.accessKeyId, secretAccessKey: poller.secretAccessKey },
    })
    expect(ok.ok).toBe(true)
    const missing = await awsProvider.verify(stored, simContext(sim))
    expect(missing.ok).toBe(false)
    expect(missing.checks[0]).toMatchObject({
      permission: 'sts:AssumeRole',
      ok: false,
      code: 'credentials_invalid',
    })
  })

  it('names the missing permission', async () => {
    const sim = getSim()
    sim.control.addFault({ cloud: 'aws', operation: 'DescribeNatGateways', deny: true })
    const r = await awsProvider.verify(creds('accessKeys'), simContext(sim))
    expect(r.ok).toBe(false)
    const failed = r.checks.filter((c) => !c.ok)
    expect(failed).toHaveLength(1)
    expect(failed[0]).toMatchObject({ permission: 'ec2:DescribeNatGateways', code: 'access_denied' })
    expect(failed[0]?.message).toMatch(/^Missing permission ec2:DescribeNatGateways/)
  })

  it('a wrong ExternalId is an access problem on sts:AssumeRole, not a stack trace', async () => {
    const sim = getSim()
    const r = await awsProvider.verify(
      { ...creds(), externalId: 'not-the-right-one' } as ReturnType<typeof creds>,
      simContext(sim),
    )
    expect(r.ok).toBe(false)
    expect(r.checks).toHaveLength(1)
    expect(r.checks[0]).toMatchObject({
      capability: 'identity',
      permission: 'sts:AssumeRole',
      code: 'access_denied',
    })
    expect(r.checks[0]?.message).not.toMatch(/\n|\.ts:\d+/)
  })
})

describe('aws inventory', () => {
  it('finds every resource type in every enabled region, untagged ones included', async () => {
    const sim = getSim()
    const a = accountOf(sim, 'aws')
    const ctx = simContext(sim)
    const { regions } = await inventory.listRegions(creds(), ctx)
    const r = await inventory.discover(creds(), { regions }, ctx)
    expect(r.errors).toEqual([])
    const truth = sim.control.resources({ cloud: 'aws', account: a.id })
    expect(r.resources.map((x) => x.nativeId).sort()).toEqual(truth.map((x) => x.id).sort())
    expect(new Set(r.resources.map((x) => x.type))).toEqual(
      new Set(['ec2.instance', 'rds.instance', 'rds.cluster', 'vpc', 'subnet', 'nat_gateway']),
    )
    const untagged = truth.find((x) => x.type === 'ec2.instance' && Object.keys(x.tags).length === 0)
    expect(untagged).toBeDefined()
    const found = r.resources.find((x) => x.nativeId === untagged?.id)
    expect(found).toMatchObject({
      cloud: 'aws',
      accountNativeId: a.id,
      type: 'ec2.instance',
      tags: {},
      name: null,
    })
    expect(found?.attributes.instanceType).toBeTruthy()
    const vpc = r.resources.find((x) => x.type === 'vpc')
    expect(vpc?.attributes.cidr).toMatch(/^\d+\.\d+\.\d+\.\d+\/\d+$/)
    const db = r.resources.find((x) => x.type === 'rds.instance')
    expect(db?.attributes.engine).toBeTruthy()
    expect(db?.createdAt).toBeInstanceOf(Date)
    // Cost of monitoring: our count equals what the cloud saw.
    expect(callsOf(r.calls, 'DescribeInstances')).toBe(simCalls(sim, 'DescribeInstances', a.id))
  })

  it('reports a region the account has not enabled as region_disabled and keeps the rest', async () => {
    const sim = getSim()
    const a = accountOf(sim, 'aws')
    const disabled = (a.disabledRegions ?? [])[0] as string
    const r = await inventory.discover(creds(), { regions: [...a.regions, disabled] }, simContext(sim))
    expect(r.errors).toEqual([expect.objectContaining({ region: disabled, code: 'region_disabled' })])
    expect(r.resources.length).toBeGreaterThan(0)
  })

  it('pages DescribeInstances (1,000 per page)', async () => {
    const sim = getSim()
    const a = accountOf(sim, 'aws')
    const region = a.regions[1] as string
    for (let i = 0; i < 1_050; i++)
      sim.control.createResource({ account: a.id, region, type: 'ec2.instance', name: `bulk-${i}` })
    const r = await inventory.discover(creds(), { regions: [region] }, simContext(sim))
    const live = sim.control.resources({ cloud: 'aws', account: a.id, region, type: 'ec2.instance' })
    expect(r.resources.filter((x) => x.type === 'ec2.instance')).toHaveLength(live.length)
    expect(callsOf(r.calls, 'DescribeInstances')).toBe(Math.ceil(live.length / 1000))
  })

  it('absorbs a throttling storm without failing', async () => {
    const sim = getSim()
    const a = accountOf(sim, 'aws')
    sim.control.addFault({ cloud: 'aws', api: 'ec2', throttleRate: 0.5 })
    const r = await inventory.discover(creds(), { regions: a.regions }, simContext(sim))
    expect(r.errors).toEqual([])
    const throttled = r.calls.reduce((n, c) => n + (c.throttled ?? 0), 0)
    expect(throttled).toBeGreaterThan(0)
    expect(r.resources.length).toBe(sim.control.resources({ cloud: 'aws', account: a.id }).length)
  })

  it('malformed bodies are retried, and surface as bad_response when persistent', async () => {
    const sim = getSim()
    const a = accountOf(sim, 'aws')
    sim.control.addFault({ cloud: 'aws', operation: 'DescribeVpcs', malformedRate: 1 })
    const r = await inventory.discover(creds(), { regions: [a.regions[0] as string] }, simContext(sim))
    expect(r.errors).toEqual([expect.objectContaining({ code: 'bad_response', type: 'vpc' })])
    expect(r.resources.some((x) => x.type === 'ec2.instance')).toBe(true)
  })
})

describe('aws metrics', () => {
  const window = () => ({ from: new Date(Date.now() - 3600_000), to: new Date() })

  it('1,234 series → exactly 3 GetMetricData calls', async () => {
    const sim = getSim()
    const a = accountOf(sim, 'aws')
    const region = a.regions[0] as string
    const existing = sim.control.resources({
      cloud: 'aws',
      account: a.id,
      region,
      type: 'ec2.instance',
    }).length
    for (let i = existing; i < 1234; i++)
      sim.control.createResource({ account: a.id, region, type: 'ec2.instance', name: `m-${i}` })
    const targets = sim.control
      .resources({ cloud: 'aws', account: a.id, region, type: 'ec2.instance' })
      .map((x) => ({ type: 'ec2.instance', nativeId: x.id, region }))
    expect(targets).toHaveLength(1234)
    sim.control.resetCalls()
    const cpu = metrics.catalog('ec2.instance').filter((d) => d.metric === 'CPUUtilization')
    const r = await metrics.fetch(
      creds(),
      { region, targets, window: window(), metrics: cpu },
      simContext(sim),
    )
    expect(callsOf(r.calls, 'GetMetricData')).toBe(3)
    expect(simCalls(sim, 'GetMetricData')).toBe(3)
    expect(r.calls.find((c) => c.operation === 'GetMetricData')).toMatchObject({ billableUnits: 1234 })
    // Resources created by this test have no history yet; the scenario's own ones do.
    expect(new Set(r.points.map((p) => p.nativeId)).size).toBeGreaterThanOrEqual(existing)
  })

  it('fetches the catalogue of every type with values matching the simulator truth', async () => {
    const sim = getSim()
    const a = accountOf(sim, 'aws')
    const region = a.regions[0] as string
    const targets = sim.control
      .resources({ cloud: 'aws', account: a.id, region })
      .filter((x) => !x.name.startsWith('m-'))
      .map((x) => ({ type: x.type, nativeId: x.id, region }))
    const r = await metrics.fetch(creds(), { region, targets, window: window() }, simContext(sim))
    const types = new Set(r.points.map((p) => targets.find((t) => t.nativeId === p.nativeId)?.type))
    expect(types).toEqual(new Set(['ec2.instance', 'rds.instance', 'rds.cluster', 'nat_gateway']))
    // Every catalogue metric of every type came back.
    for (const type of types) {
      const got = new Set(
        r.points
          .filter((p) => targets.find((t) => t.nativeId === p.nativeId)?.type === type)
          .map((p) => p.metric),
      )
      expect([...got].sort()).toEqual(
        metrics
          .catalog(type as string)
          .map((d) => d.metric)
          .sort(),
      )
    }
    const p = r.points.find((x) => x.metric === 'CPUUtilization')!
    const sec = p.ts.getTime() / 1000
    const [truth] = sim.control.metricTruth({
      resourceId: p.nativeId,
      metric: 'CPUUtilization',
      startSec: sec,
      endSec: sec + 300,
      periodSec: 300,
      stat: 'Average',
    })
    expect(p.value).toBeCloseTo(truth!.value, 6)
  })

  it('a throttling storm on CloudWatch loses no point', async () => {
    const sim = getSim()
    const a = accountOf(sim, 'aws')
    const region = a.regions[0] as string
    const targets = sim.control
      .resources({ cloud: 'aws', account: a.id, region, type: 'ec2.instance' })
      .slice(0, 600)
      .map((x) => ({ type: 'ec2.instance', nativeId: x.id, region }))
    const w = window()
    const calm = await metrics.fetch(creds(), { region, targets, window: w }, simContext(sim))
    sim.control.addFault({ cloud: 'aws', api: 'cloudwatch', throttleRate: 0.6 })
    const storm = await metrics.fetch(creds(), { region, targets, window: w }, simContext(sim))
    expect(storm.points.length).toBe(calm.points.length)
    expect(storm.calls[0]?.throttled).toBeGreaterThan(0)
  })

  it('5xx answers are retried; persistent ones surface as cloud_unavailable', async () => {
    const sim = getSim()
    const a = accountOf(sim, 'aws')
    const region = a.regions[0] as string
    const targets = sim.control
      .resources({ cloud: 'aws', account: a.id, region, type: 'rds.instance' })
      .map((x) => ({ type: 'rds.instance', nativeId: x.id, region }))
    sim.control.addFault({ cloud: 'aws', api: 'cloudwatch', errorRate: 0.5 })
    const ok = await metrics.fetch(creds(), { region, targets, window: window() }, simContext(sim))
    expect(ok.points.length).toBeGreaterThan(0)
    sim.control.reset()
    sim.control.addFault({ cloud: 'aws', api: 'cloudwatch', errorRate: 1 })
    await expect(
      metrics.fetch(creds(), { region, targets, window: window() }, simContext(sim)),
    ).rejects.toMatchObject({ code: 'cloud_unavailable', details: { attempts: 4 } })
  })

  it('persistent throttling surfaces as throttled after the configured attempts', async () => {
    const sim = getSim()
    const a = accountOf(sim, 'aws')
    const region = a.regions[0] as string
    const targets = sim.control
      .resources({ cloud: 'aws', account: a.id, region, type: 'rds.instance' })
      .map((x) => ({ type: 'rds.instance', nativeId: x.id, region }))
    sim.control.addFault({ cloud: 'aws', api: 'cloudwatch', throttleRate: 1 })
    sim.control.resetCalls()
    const ctx = simContext(sim, { retry: { maxAttempts: { throttled: 5 }, baseMs: 5, capMs: 20 } })
    await expect(metrics.fetch(creds(), { region, targets, window: window() }, ctx)).rejects.toMatchObject({
      code: 'throttled',
      details: { attempts: 5, operation: 'GetMetricData' },
    })
    expect(simCalls(sim, 'GetMetricData')).toBe(5)
  })

  it('revoked credentials fail with credentials_invalid', async () => {
    const sim = getSim()
    const a = accountOf(sim, 'aws')
    const keys = creds('accessKeys')
    sim.control.revokeCredentials('aws', a.id)
    try {
      await expect(
        metrics.fetch(
          keys,
          {
            region: a.regions[0] as string,
            targets: [{ type: 'ec2.instance', nativeId: 'i-0', region: a.regions[0] as string }],
            window: window(),
          },
          simContext(sim),
        ),
      ).rejects.toMatchObject({ code: 'credentials_invalid' })
      const v = await awsProvider.verify(keys, simContext(sim))
      expect(v.checks[0]).toMatchObject({ ok: false, code: 'credentials_invalid' })
    } finally {
      await sim.control.rotateCredentials('aws', a.id)
    }
  })
})

describe('aws costs', () => {
  it('reads daily costs by service and region, re-reading the last 3 days, plus the month forecast', async () => {
    const sim = getSim()
    const today = new Date().toISOString().slice(0, 10)
    const r = await costs.fetchDaily(creds(), { from: today, to: today }, simContext(sim))
    const days = new Set(r.rows.map((x) => x.day))
    expect(days.size).toBeGreaterThanOrEqual(3)
    expect(r.rows[0]).toMatchObject({ currency: 'USD' })
    expect(r.rows.some((x) => x.region !== 'global')).toBe(true)
    expect(r.forecast?.amount).toBeGreaterThan(0)
    expect(callsOf(r.calls, 'GetCostAndUsage') + callsOf(r.calls, 'GetCostForecast')).toBeLessThanOrEqual(3)
    // $0.01 per successful request (a rejected one, e.g. with revoked cached credentials, is not billed).
    expect(r.calls.reduce((n, c) => n + c.costUsd, 0)).toBeCloseTo(0.02)
  })

  it('caps Cost Explorer requests per account per day', async () => {
    const sim = getSim()
    const ctx = simContext(sim, { costRequestsPerDay: 2 })
    const today = new Date().toISOString().slice(0, 10)
    await costs.fetchDaily(creds('accessKeys'), { from: today, to: today }, ctx)
    await expect(
      costs.fetchDaily(creds('accessKeys'), { from: today, to: today }, ctx),
    ).rejects.toMatchObject({ code: 'throttled' })
  })
})
