/**
 * The NCP provider against cloudsim over real HTTP (signed requests, the sim checks every signature):
 * verify, inventory in every region with paging, stopped/terminated servers, failed and unknown
 * regions, throttling, malformed bodies, wrong secret and revoked key, clock skew, Cloud Insight
 * batching at the physical minimum (cloudsim's own counter agrees), KRW costs, and the `cms` binary.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseCredentials } from '@cms/core'
import { accountOf, useCloudSim } from '@cms/cloudsim/testing/sim-fixture'
import { afterEach, describe, expect, it } from 'vitest'
import { callsOf, simCalls, simContext } from '../../testing/sim-context'
import type { MetricTarget, NormalizedResource } from '../contract'
import { CallRunner } from '../shared/call'
import { CallMeter } from '../shared/calls'
import { classifyNcpError } from './errors'
import { NcpClient } from './http'
import { ncpProvider } from './provider'
import { listNcpRegions } from './vserver/regions'

const getSim = useCloudSim({ seed: 17, scenario: 'minimal' })
const account = () => accountOf(getSim(), 'ncp')
const creds = () => parseCredentials('ncp', account().credentials)
const inventory = ncpProvider.inventory!
const metrics = ncpProvider.metrics!
const costs = ncpProvider.costs!
const REGIONS = ['KR', 'SGN', 'JPN']
const fast = { retry: { baseMs: 2, capMs: 10 } }

afterEach(() => getSim().control.reset())

/** Servers made through the simulator's control API (what a tenant's own automation would do). */
function addServers(n: number, region = 'KR'): string[] {
  const sim = getSim()
  return Array.from(
    { length: n },
    (_, i) =>
      sim.control.createResource({
        cloud: 'ncp',
        account: account().id,
        region,
        type: 'ncp.server',
        name: `web-${region}-${i}`,
      }).id,
  )
}

/**
 * Live servers the simulator holds in a region (resources made by earlier tests stay: the world is per
 * file; a terminated one is still listed by NCP for an hour, as `terminating`, but is not counted here).
 */
const serversIn = (region: string) =>
  getSim().control.resources({ cloud: 'ncp', type: 'ncp.server', region }).length

const targetsOf = (rs: NormalizedResource[]): MetricTarget[] =>
  rs.map((r) => ({
    type: r.type,
    nativeId: r.nativeId,
    region: r.region,
    accountNativeId: r.accountNativeId,
  }))

describe('ncp verify', () => {
  it('proves the key and each capability, and learns the account number (memberNo)', async () => {
    const sim = getSim()
    const r = await ncpProvider.verify(creds(), simContext(sim))
    expect(r.checks.filter((c) => !c.ok)).toEqual([])
    expect(r.ok).toBe(true)
    expect(r.checks.map((c) => c.capability)).toEqual([
      'identity',
      'inventory',
      'inventory',
      'inventory',
      'inventory',
      'metrics',
      'costs',
    ])
    expect(r.accountNativeIds).toEqual([account().id])
    expect(r.regions.enabled).toEqual(['JPN', 'KR', 'SGN'])
    expect(JSON.stringify(r)).not.toContain(creds().secretKey)
  })

  it('names the missing permission and still checks the others', async () => {
    const sim = getSim()
    sim.control.addFault({ cloud: 'ncp', api: 'ncp.vmysql', deny: true })
    const r = await ncpProvider.verify(creds(), simContext(sim))
    expect(r.ok).toBe(false)
    expect(r.checks.filter((c) => !c.ok)).toEqual([
      expect.objectContaining({
        code: 'access_denied',
        permission: expect.stringContaining('getCloudMysqlInstanceList'),
        message: expect.stringMatching(/^Missing permission/),
      }),
    ])
  })

  it('a wrong secret key is credentials_invalid (verify says so, discover throws it)', async () => {
    const sim = getSim()
    const bad = { ...creds(), secretKey: `${creds().secretKey}x` }
    const v = await ncpProvider.verify(bad, simContext(sim))
    expect(v.ok).toBe(false)
    expect(v.checks).toEqual([
      expect.objectContaining({ capability: 'identity', code: 'credentials_invalid' }),
    ])
    await expect(inventory.discover(bad, { regions: REGIONS }, simContext(sim))).rejects.toMatchObject({
      code: 'credentials_invalid',
    })
  })

  it('a revoked key is credentials_invalid', async () => {
    const sim = getSim()
    const c = creds()
    sim.control.revokeCredentials('ncp', account().id)
    try {
      const v = await ncpProvider.verify(c, simContext(sim))
      expect(v.checks[0]).toMatchObject({ ok: false, code: 'credentials_invalid' })
    } finally {
      await sim.control.rotateCredentials('ncp', account().id)
    }
  })
})

describe('ncp inventory', () => {
  it('lists servers, VPCs, NAT gateways and Cloud DB for MySQL in every region, stopped ones as stopped', async () => {
    const sim = getSim()
    const { regions } = await inventory.listRegions(creds(), simContext(sim))
    expect(regions).toEqual(['JPN', 'KR', 'SGN'])
    const r = await inventory.discover(creds(), { regions }, simContext(sim))
    expect(r.errors).toEqual([])
    const truth = sim.control.resources({ cloud: 'ncp' })
    expect(r.resources.map((x) => `${x.type}:${x.nativeId}`).sort()).toEqual(
      truth.map((x) => `${x.type}:${x.id}`).sort(),
    )
    const byType = (t: string) => r.resources.filter((x) => x.type === t)
    expect(new Set(r.resources.map((x) => x.type))).toEqual(
      new Set(['ncp.server', 'ncp.vpc', 'ncp.nat_gateway', 'ncp.mysql']),
    )
    // The minimal world: three servers in KR, the first one stopped.
    expect(
      byType('ncp.server')
        .map((x) => x.state)
        .sort(),
    ).toEqual(['running', 'running', 'stopped'])
    const server = byType('ncp.server').find((x) => x.state === 'running')!
    expect(server).toMatchObject({ cloud: 'ncp', region: 'KR', accountNativeId: account().id })
    expect(server.attributes).toMatchObject({
      zone: expect.stringMatching(/^KR-/),
      cpuCount: expect.any(Number),
    })
    expect(server.createdAt).toBeInstanceOf(Date)
    expect(byType('ncp.vpc')[0]).toMatchObject({
      state: 'available',
      attributes: { cidr: expect.any(String) },
    })
    expect(byType('ncp.mysql')[0]).toMatchObject({ state: 'running' })
    // One listing per type per region; cloudsim counted the same calls.
    expect(callsOf(r.calls, 'getServerInstanceList')).toBe(3)
    expect(simCalls(sim, 'getServerInstanceList')).toBe(3)
  })

  it('pages a region with more servers than one page, each page its own counted call', async () => {
    const sim = getSim()
    addServers(230, 'KR')
    const total = serversIn('KR')
    expect(total).toBeGreaterThan(200)
    const r = await inventory.discover(creds(), { regions: ['KR'] }, simContext(sim))
    expect(r.errors).toEqual([])
    expect(r.resources.filter((x) => x.type === 'ncp.server' && x.state !== 'terminated')).toHaveLength(total)
    expect(callsOf(r.calls, 'getServerInstanceList')).toBe(Math.ceil(total / 100)) // pages of 100
    expect(simCalls(sim, 'getServerInstanceList')).toBe(Math.ceil(total / 100))
  })

  it('pages Cloud DB for MySQL from pageNo 0 as documented, and survives a gateway that reads 0 as 1', async () => {
    const sim = getSim()
    for (let i = 0; i < 150; i++)
      sim.control.createResource({
        cloud: 'ncp',
        account: account().id,
        region: 'SGN',
        type: 'ncp.mysql',
        name: `db-${i}`,
      })
    const r = await inventory.discover(creds(), { regions: ['SGN'] }, simContext(sim))
    expect(r.errors).toEqual([])
    const dbs = r.resources.filter((x) => x.type === 'ncp.mysql')
    expect(dbs).toHaveLength(150)
    expect(new Set(dbs.map((x) => x.nativeId)).size).toBe(150)
    // cloudsim reads pageNo 0 as 1 (docs/ncp-wire.md §4): pages 0 and 1 are the same, so one extra call.
    expect(simCalls(sim, 'getCloudMysqlInstanceList')).toBe(3)
  })

  it('reports a terminated server as terminated while NCP still lists it', async () => {
    const sim = getSim()
    const [id] = addServers(1)
    sim.control.setResourceState(id!, 'terminated')
    const r = await inventory.discover(creds(), { regions: ['KR'] }, simContext(sim))
    expect(r.resources.find((x) => x.nativeId === id)).toMatchObject({
      state: 'terminated',
      nativeState: 'terminating',
    })
  })

  it('a failed region is an error, never an absence; an unknown region is region_disabled', async () => {
    const sim = getSim()
    addServers(2, 'SGN')
    sim.control.addFault({ cloud: 'ncp', api: 'ncp.vserver', region: 'SGN', errorRate: 1 })
    const r = await inventory.discover(creds(), { regions: ['KR', 'SGN', 'US'] }, simContext(sim, fast))
    expect(r.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ region: 'SGN', type: 'ncp.server', code: 'cloud_unavailable' }),
        expect.objectContaining({ region: 'US', code: 'region_disabled' }),
      ]),
    )
    expect(r.errors.filter((e) => e.region === 'US')).toHaveLength(1)
    expect(r.resources.some((x) => x.region === 'SGN' && x.type === 'ncp.server')).toBe(false)
    expect(
      r.resources.filter((x) => x.region === 'KR' && x.type === 'ncp.server' && x.state !== 'terminated'),
    ).toHaveLength(serversIn('KR'))
  })

  it('a billing outage does not stop the inventory: resources then carry the key id, not the memberNo', async () => {
    const sim = getSim()
    // A fresh key, so no memberNo is cached for it yet.
    await sim.control.rotateCredentials('ncp', account().id)
    const c = creds()
    sim.control.addFault({ cloud: 'ncp', api: 'ncp.billing', errorRate: 1 })
    const r = await inventory.discover(c, { regions: ['KR'] }, simContext(sim, fast))
    expect(r.errors).toEqual([])
    expect(new Set(r.resources.map((x) => x.accountNativeId))).toEqual(new Set([`key:${c.accessKey}`]))
    sim.control.clearFaults()
    // Once billing answers, the memberNo is learned (and cached) again.
    const again = await inventory.discover(c, { regions: ['KR'] }, simContext(sim))
    expect(new Set(again.resources.map((x) => x.accountNativeId))).toEqual(new Set([account().id]))
  })

  it('absorbs throttling (429 / Throttle Limited): nothing lost, throttled calls counted', async () => {
    const sim = getSim()
    addServers(250, 'KR')
    sim.control.addFault({ cloud: 'ncp', api: 'ncp.vserver', throttleRate: 0.5 })
    const r = await inventory.discover(creds(), { regions: ['KR'] }, simContext(sim, fast))
    expect(r.errors).toEqual([])
    expect(r.resources.filter((x) => x.type === 'ncp.server' && x.state !== 'terminated')).toHaveLength(
      serversIn('KR'),
    )
    const row = r.calls.find((c) => c.operation === 'getServerInstanceList')!
    expect(row.throttled).toBeGreaterThan(0)
    expect(row.calls).toBe(simCalls(sim, 'getServerInstanceList'))
  })

  it('retries a malformed page, then reports bad_response for that type only', async () => {
    const sim = getSim()
    sim.control.addFault({ cloud: 'ncp', api: 'ncp.vpc', operation: 'getVpcList', malformedRate: 0.5 })
    const ok = await inventory.discover(creds(), { regions: ['KR'] }, simContext(sim, fast))
    expect(ok.errors).toEqual([])
    expect(ok.resources.some((x) => x.type === 'ncp.vpc')).toBe(true)
    sim.control.clearFaults()
    sim.control.addFault({ cloud: 'ncp', api: 'ncp.vpc', operation: 'getVpcList', malformedRate: 1 })
    const bad = await inventory.discover(creds(), { regions: ['KR'] }, simContext(sim, fast))
    expect(bad.errors).toEqual([
      expect.objectContaining({ region: 'KR', type: 'ncp.vpc', code: 'bad_response' }),
    ])
    expect(bad.resources.some((x) => x.type === 'ncp.server')).toBe(true)
    expect(simCalls(sim, 'getVpcList')).toBe(2 + 2) // 2 attempts each time, the first retry succeeded
  })

  it('signs with the gateway clock after a rejected timestamp (6 minutes of skew)', async () => {
    const sim = getSim()
    const meter = new CallMeter()
    const runner = new CallRunner(simContext(sim), meter, classifyNcpError)
    const skewed = () => Date.now() - 6 * 60_000
    const client = new NcpClient(creds(), { site: 'public', endpoint: sim.urls.ncp, clock: skewed })
    const run = runner.bind({ cloud: 'ncp', account: creds().accessKey, region: 'global' })
    expect((await listNcpRegions(client, run)).map((r) => r.regionCode)).toEqual(['KR', 'SGN', 'JPN'])
    // The first attempt was refused (401), the retry went out corrected; the next call needs no retry.
    expect(callsOf(meter.snapshot(), 'getRegionList')).toBe(2)
    await listNcpRegions(
      new NcpClient(creds(), { site: 'public', endpoint: sim.urls.ncp, clock: skewed }),
      run,
    )
    expect(callsOf(meter.snapshot(), 'getRegionList')).toBe(3)
    expect(simCalls(sim, 'getRegionList')).toBe(3)
  })
})

describe('ncp metrics (Cloud Insight QueryDataMultiple)', () => {
  it('fetches every series at the physical minimum, ⌈series / 20⌉ calls (cloudsim counts the same)', async () => {
    const sim = getSim()
    addServers(40, 'KR')
    addServers(3, 'JPN')
    const inv = await inventory.discover(creds(), { regions: ['KR', 'JPN'] }, simContext(sim))
    const targets = targetsOf(
      inv.resources.filter((x) => metrics.catalog(x.type).length && x.state !== 'terminated'),
    )
    const series = targets.reduce((n, t) => n + metrics.catalog(t.type).length, 0)
    const servers = targets.filter((t) => t.type === 'ncp.server').length
    expect(servers).toBe(serversIn('KR') + serversIn('JPN'))
    expect(series).toBe(servers * 7 + 4) // 7 server metrics, 4 for the one MySQL
    expect(series % 20).not.toBe(0) // a partial last batch is still one call
    sim.control.resetCalls()
    const window = { from: new Date(Date.now() - 3600_000), to: new Date() }
    const r = await metrics.fetch(creds(), { region: '*', targets, window }, simContext(sim))
    expect(callsOf(r.calls, 'QueryDataMultiple')).toBe(Math.ceil(series / 20))
    expect(simCalls(sim, 'QueryDataMultiple')).toBe(Math.ceil(series / 20))
    // Points: bucket-start stamps on 5-minute boundaries, for every running server's 7 metrics.
    expect(r.points.length).toBeGreaterThan(0)
    for (const p of r.points) expect(p.ts.getTime() % 300_000).toBe(0)
    // A server of the scenario's own estate (the ones made above are seconds old: no samples yet).
    const running = inv.resources
      .filter((x) => x.type === 'ncp.server' && x.state === 'running')
      .sort((a, b) => a.createdAt!.getTime() - b.createdAt!.getTime())[0]!
    const stopped = inv.resources.find((x) => x.type === 'ncp.server' && x.state === 'stopped')!
    expect(new Set(r.points.filter((p) => p.nativeId === running.nativeId).map((p) => p.metric))).toEqual(
      new Set(metrics.catalog('ncp.server').map((d) => d.metric)),
    )
    expect(r.points.filter((p) => p.nativeId === stopped.nativeId)).toEqual([])
    const mysql = inv.resources.find((x) => x.type === 'ncp.mysql')!
    expect(r.points.some((p) => p.nativeId === mysql.nativeId && p.metric === 'mysql_select')).toBe(true)
  })

  it('retries a malformed answer, then reports bad_response', async () => {
    const sim = getSim()
    const inv = await inventory.discover(creds(), { regions: ['KR'] }, simContext(sim))
    const targets = targetsOf(inv.resources)
    sim.control.addFault({ cloud: 'ncp', api: 'ncp.cloudinsight', malformedRate: 1 })
    const window = { from: new Date(Date.now() - 3600_000), to: new Date() }
    await expect(
      metrics.fetch(creds(), { region: '*', targets, window }, simContext(sim, fast)),
    ).rejects.toMatchObject({ code: 'bad_response' })
  })
})

describe('ncp costs', () => {
  it('monthly KRW rows per product and region, the open month estimated, the previous month re-read', async () => {
    const sim = getSim()
    const today = new Date().toISOString().slice(0, 10)
    const r = await costs.fetchDaily(creds(), { from: today, to: today }, simContext(sim))
    expect(r.rows.length).toBeGreaterThan(0)
    for (const row of r.rows) {
      expect(row.currency).toBe('KRW')
      expect(row.day).toMatch(/^\d{4}-\d{2}-01$/)
      expect(row.estimated).toBe(row.day === `${today.slice(0, 7)}-01`)
    }
    expect(new Set(r.rows.map((x) => x.service))).toContain('Server')
    // The product rows already add up to the bill (no discounts in the sim), so no adjustment row.
    expect(r.rows.some((x) => x.service === 'Discounts and adjustments')).toBe(false)
    expect(callsOf(r.calls, 'getDemandCostList')).toBe(1)
    expect(callsOf(r.calls, 'getProductDemandCostList')).toBe(1)
  })
})

describe('cms CLI --cloud ncp (bin/cms.mjs, cloudsim)', () => {
  const BIN = fileURLToPath(new URL('../../bin/cms.mjs', import.meta.url))
  const cms = (args: string[]) =>
    new Promise<{ code: number; out: string[]; err: string[] }>((resolve) => {
      execFile(process.execPath, [BIN, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
        const code = error ? ((error as { code?: number }).code ?? 1) : 0
        const lines = (s: string) => s.split('\n').filter(Boolean)
        resolve({ code: typeof code === 'number' ? code : 1, out: lines(stdout), err: lines(stderr) })
      })
    })

  it('verify, discover, metrics and costs end to end', async () => {
    const sim = getSim()
    const dir = await mkdtemp(join(tmpdir(), 'cms-ncp-'))
    const file = join(dir, 'ncp.json')
    await writeFile(file, JSON.stringify(account().credentials))
    const base = ['--cloud', 'ncp', '--credentials', file, '--endpoint', sim.urls.ncp]
    const [verify, discover, metricsOut, costsOut] = await Promise.all([
      cms(['verify', ...base]),
      cms(['discover', ...base]),
      cms(['metrics', ...base, '--regions', 'KR']),
      cms(['costs', ...base]),
    ])
    expect(verify.code).toBe(0)
    expect(verify.out.map((l) => (JSON.parse(l) as { ok: boolean }).ok)).not.toContain(false)
    expect(discover.code).toBe(0)
    expect(new Set(discover.out.map((l) => (JSON.parse(l) as { type: string }).type))).toEqual(
      new Set(['ncp.server', 'ncp.vpc', 'ncp.nat_gateway', 'ncp.mysql']),
    )
    expect(metricsOut.code).toBe(0)
    expect(metricsOut.out.length).toBeGreaterThan(0)
    expect(JSON.parse(metricsOut.out[0]!)).toMatchObject({
      metric: expect.any(String),
      value: expect.any(Number),
    })
    expect(costsOut.code).toBe(0)
    expect(costsOut.out.map((l) => (JSON.parse(l) as { currency: string }).currency)).toContain('KRW')
    // No secret on any stream.
    for (const r of [verify, discover, metricsOut, costsOut])
      expect([...r.out, ...r.err].join('\n')).not.toContain(account().credentials.secretKey)
  })
})
