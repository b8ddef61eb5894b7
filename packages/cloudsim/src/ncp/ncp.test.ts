/**
 * The NCP gateway over real HTTP with a signer written here from the documented algorithm
 * (docs/ncp-wire.md §2): signature and timestamp checks, regions, paging, stopped servers, Cloud Insight
 * batches at and over the 20-condition limit, KRW costs, faults, and servers made by the control API.
 */
import { createHmac } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { accountOf, useCloudSim } from '../testing/sim-fixture'
import { aggregateBuckets } from '../world/metrics'

const getSim = useCloudSim()
afterEach(() => getSim().control.reset())

interface Key {
  accessKey: string
  secretKey: string
}

/** Base64(HMAC-SHA256(secret, "METHOD pathWithQuery\nts\naccessKey")). */
function sign(key: Key, method: string, pathWithQuery: string, ts: string): string {
  return createHmac('sha256', key.secretKey)
    .update(`${method} ${pathWithQuery}\n${ts}\n${key.accessKey}`)
    .digest('base64')
}

async function ncp(
  path: string,
  opts: { key?: Key; method?: string; body?: unknown; skewMs?: number; signWith?: Key } = {},
): Promise<{ status: number; body: unknown; text: string; date: string | null }> {
  const sim = getSim()
  const key = opts.key ?? accountOf(sim, 'ncp').credentials
  const method = opts.method ?? (opts.body === undefined ? 'GET' : 'POST')
  const ts = String(Date.now() + (opts.skewMs ?? 0))
  const res = await fetch(`${sim.urls.ncp}${path}`, {
    method,
    headers: {
      'x-ncp-apigw-timestamp': ts,
      'x-ncp-iam-access-key': key.accessKey,
      'x-ncp-apigw-signature-v2': sign(opts.signWith ?? key, method, path, ts),
      ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
  })
  const text = await res.text()
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    body = undefined
  }
  return { status: res.status, body, text, date: res.headers.get('date') }
}

type Obj = Record<string, unknown>
const inner = (b: unknown, action: string) => (b as Obj)[`${action}Response`] as Obj
const servers = async (q = '') =>
  inner(
    (await ncp(`/vserver/v2/getServerInstanceList?responseFormatType=json&regionCode=KR${q}`)).body,
    'getServerInstanceList',
  )

describe('NCP signature v2', () => {
  it('answers a correctly signed request with the documented envelope', async () => {
    const r = await ncp('/vserver/v2/getRegionList?responseFormatType=json')
    expect(r.status).toBe(200)
    const body = inner(r.body, 'getRegionList')
    expect(body).toMatchObject({ returnCode: '0', returnMessage: 'success', totalRows: 3 })
    expect(body.regionList).toEqual([
      { regionCode: 'KR', regionName: 'Korea' },
      { regionCode: 'SGN', regionName: 'Singapore(New)' },
      { regionCode: 'JPN', regionName: 'Japan(New)' },
    ])
  })

  it('rejects a wrong secret, a 6-minute skew and an unknown key with 401 / Authentication Failed', async () => {
    const good = accountOf(getSim(), 'ncp').credentials
    const wrong = await ncp('/vserver/v2/getRegionList?responseFormatType=json', {
      signWith: { accessKey: good.accessKey, secretKey: `${good.secretKey}x` },
    })
    expect(wrong.status).toBe(401)
    expect(wrong.body).toMatchObject({ error: { errorCode: '200', message: 'Authentication Failed' } })
    for (const skewMs of [-6 * 60_000, 6 * 60_000]) {
      const skewed = await ncp('/vserver/v2/getRegionList?responseFormatType=json', { skewMs })
      expect(skewed.status).toBe(401)
      expect(skewed.body).toMatchObject({ error: { errorCode: '200', message: 'Authentication Failed' } })
      // The gateway's clock is in the Date header: a client can measure how far off it is.
      expect(Math.abs(Date.parse(skewed.date ?? '') - Date.now())).toBeLessThan(5000)
    }
    // 4 minutes off is inside the window.
    expect(
      (await ncp('/vserver/v2/getRegionList?responseFormatType=json', { skewMs: -4 * 60_000 })).status,
    ).toBe(200)
    const unknown = await ncp('/vserver/v2/getRegionList?responseFormatType=json', {
      key: { accessKey: 'ncp_iam_BPAMKRNOSUCHKEY', secretKey: good.secretKey },
    })
    expect(unknown.status).toBe(401)
    // The query string is signed: changing it after signing breaks the signature.
    const ts = String(Date.now())
    const res = await fetch(
      `${getSim().urls.ncp}/vserver/v2/getServerInstanceList?responseFormatType=json&regionCode=JPN`,
      {
        headers: {
          'x-ncp-apigw-timestamp': ts,
          'x-ncp-iam-access-key': good.accessKey,
          'x-ncp-apigw-signature-v2': sign(
            good,
            'GET',
            '/vserver/v2/getServerInstanceList?responseFormatType=json&regionCode=KR',
            ts,
          ),
        },
      },
    )
    expect(res.status).toBe(401)
  })

  it('revokes and rotates keys through the control API', async () => {
    const sim = getSim()
    const a = accountOf(sim, 'ncp')
    const old = a.credentials
    const rotated = await sim.control.rotateCredentials('ncp', a.id)
    if (rotated.cloud !== 'ncp') throw new Error('expected an NCP account')
    expect(rotated.credentials.accessKey).not.toBe(old.accessKey)
    expect((await ncp('/vserver/v2/getRegionList?responseFormatType=json', { key: old })).status).toBe(401)
    expect(
      (await ncp('/vserver/v2/getRegionList?responseFormatType=json', { key: rotated.credentials })).status,
    ).toBe(200)
    sim.control.revokeCredentials('ncp', a.id)
    expect(
      (await ncp('/vserver/v2/getRegionList?responseFormatType=json', { key: rotated.credentials })).status,
    ).toBe(401)
    // Bring the fixture back: a fresh key for the remaining tests.
    await sim.control.rotateCredentials('ncp', a.id)
  })
})

describe('NCP inventory', () => {
  it('pages servers with pageNo/pageSize and reports the total in totalRows', async () => {
    const sim = getSim()
    const truth = sim.control
      .resources({ cloud: 'ncp', type: 'ncp.server', region: 'KR' })
      .map((r) => r.id)
      .sort()
    expect(truth.length).toBe(3)
    const all = await servers()
    expect(all.totalRows).toBe(3)
    const p1 = await servers('&pageNo=1&pageSize=2')
    const p2 = await servers('&pageNo=2&pageSize=2')
    const p3 = await servers('&pageNo=3&pageSize=2')
    expect([p1.totalRows, p2.totalRows, p3.totalRows]).toEqual([3, 3, 3])
    expect((p1.serverInstanceList as Obj[]).length).toBe(2)
    expect((p3.serverInstanceList as Obj[]).length).toBe(0)
    const ids = [...(p1.serverInstanceList as Obj[]), ...(p2.serverInstanceList as Obj[])]
      .map((s) => s.serverInstanceNo)
      .sort()
    expect(ids).toEqual(truth)
    // Other regions are separate listings.
    expect(
      (
        await servers().then(() =>
          ncp('/vserver/v2/getServerInstanceList?responseFormatType=json&regionCode=JPN'),
        )
      ).body,
    ).toMatchObject({
      getServerInstanceListResponse: { totalRows: 0, serverInstanceList: [] },
    })
    const bad = await ncp('/vserver/v2/getServerInstanceList?responseFormatType=json&regionCode=US')
    expect(bad.status).toBe(400)
    expect(bad.body).toMatchObject({ responseError: { returnCode: '1101' } })
  })

  it('renders running and stopped servers in NCP’s words, with the fields the provider reads', async () => {
    const list = (await servers()).serverInstanceList as Obj[]
    const stopped = list.filter((s) => (s.serverInstanceStatus as Obj).code === 'NSTOP')
    expect(stopped).toHaveLength(1)
    expect(stopped[0]).toMatchObject({
      serverInstanceStatusName: 'stopped',
      serverInstanceOperation: { code: 'NULL' },
    })
    const running = list.find((s) => (s.serverInstanceStatus as Obj).code === 'RUN')
    expect(running).toMatchObject({
      serverInstanceStatusName: 'running',
      platformType: { code: 'LNX64' },
      regionCode: 'KR',
      zoneCode: expect.stringMatching(/^KR-[12]$/),
      vpcNo: expect.stringMatching(/^\d+$/),
      subnetNo: expect.stringMatching(/^\d+$/),
      serverSpecCode: expect.stringMatching(/-g3$/),
      cpuCount: expect.any(Number),
      memorySize: expect.any(Number),
      createDate: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0900$/),
    })
    const onlyStopped = await servers('&serverInstanceStatusCode=NSTOP')
    expect(onlyStopped.totalRows).toBe(1)
    // Without responseFormatType=json the real API answers XML; the sim refuses instead of guessing.
    const xml = await ncp('/vserver/v2/getServerInstanceList?regionCode=KR')
    expect(xml.status).toBe(400)
  })

  it('lists VPCs, NAT gateways and Cloud DB for MySQL per region', async () => {
    const vpcs = inner(
      (await ncp('/vpc/v2/getVpcList?responseFormatType=json&regionCode=KR')).body,
      'getVpcList',
    )
    expect(vpcs.totalRows).toBe(1)
    const vpc = (vpcs.vpcList as Obj[])[0]
    expect(vpc).toMatchObject({
      vpcStatus: { code: 'RUN' },
      regionCode: 'KR',
      ipv4CidrBlock: expect.stringMatching(/\/16$/),
    })
    const nats = inner(
      (await ncp('/vpc/v2/getNatGatewayInstanceList?responseFormatType=json&regionCode=KR')).body,
      'getNatGatewayInstanceList',
    )
    expect(nats.natGatewayInstanceList).toEqual([
      expect.objectContaining({
        vpcNo: vpc?.vpcNo,
        vpcName: vpc?.vpcName,
        natGatewayInstanceStatus: { code: 'RUN', codeName: 'run' },
      }),
    ])
    const dbs = inner(
      (await ncp('/vmysql/v2/getCloudMysqlInstanceList?responseFormatType=json&regionCode=KR')).body,
      'getCloudMysqlInstanceList',
    )
    expect(dbs.totalRows).toBe(1)
    expect((dbs.cloudMysqlInstanceList as Obj[])[0]).toMatchObject({
      cloudMysqlInstanceStatusName: 'running',
      cloudMysqlInstanceStatus: { code: 'CREAT' },
      cloudMysqlServerInstanceList: [
        expect.objectContaining({ cloudMysqlServerRole: { code: 'M', codeName: 'Master' } }),
      ],
    })
  })
})

describe('Cloud Insight', () => {
  const SERVER = '460438474722512896'
  const METRICS = [
    'avg_cpu_used_rto',
    'mem_usert',
    'avg_fs_usert',
    'avg_read_byt_cnt',
    'avg_write_byt_cnt',
    'avg_rcv_bps',
    'avg_snd_bps',
  ]

  function window() {
    const end = Math.floor(Date.now() / 300_000) * 300_000
    return { timeStart: end - 3_600_000, timeEnd: end }
  }

  it('answers QueryDataMultiple with 20 conditions from the world’s metric engine, and refuses 21', async () => {
    const sim = getSim()
    const ids = sim.control.resources({ cloud: 'ncp', type: 'ncp.server' }).map((r) => r.id)
    const conditions = ids.flatMap((instanceNo) =>
      METRICS.map((metric) => ({
        prodKey: SERVER,
        metric,
        interval: 'Min5',
        aggregation: 'AVG',
        dimensions: { instanceNo },
      })),
    )
    const twenty = conditions.slice(0, 20)
    const w = window()
    sim.control.resetCalls()
    const r = await ncp('/cw_fea/real/cw/api/data/query/multiple', { body: { ...w, metricInfoList: twenty } })
    expect(r.status).toBe(200)
    const out = r.body as { metric: string; dimensions: { instanceNo: string }; dps: [number, number][] }[]
    expect(out).toHaveLength(20)
    let points = 0
    for (const [i, c] of twenty.entries()) {
      const got = out[i]
      expect(got).toMatchObject({
        prodKey: SERVER,
        metric: c.metric,
        interval: 'Min5',
        dimensions: c.dimensions,
      })
      const truth = aggregateBuckets(sim.world, c.dimensions.instanceNo, c.metric, {
        startSec: w.timeStart / 1000,
        endSec: w.timeEnd / 1000,
        periodSec: 300,
        stat: 'Average',
      }).map((b) => [b.t * 1000, b.value])
      expect(got?.dps).toEqual(truth)
      points += truth.length
    }
    // The stopped server has no points for the last two hours; the others have a full hour.
    expect(points).toBeGreaterThan(0)
    expect(out.some((x) => x.dps.length === 0)).toBe(true)
    const row = sim.control.calls().rows.find((x) => x.operation === 'QueryDataMultiple')
    expect(row).toMatchObject({
      cloud: 'ncp',
      api: 'ncp.cloudinsight',
      calls: 1,
      billableUnits: 20,
      errors: 0,
    })

    const over = await ncp('/cw_fea/real/cw/api/data/query/multiple', {
      body: { ...w, metricInfoList: conditions.slice(0, 21) },
    })
    expect(conditions.length).toBeGreaterThanOrEqual(21)
    expect(over.status).toBe(400)
    expect(over.body).toMatchObject({ error: { errorCode: '400', message: 'Bad Request' } })
  })

  it('answers QueryData with a bare [[epochMs, value], …] array and knows the product keys', async () => {
    const sim = getSim()
    const [running] = sim.control
      .resources({ cloud: 'ncp', type: 'ncp.server', region: 'KR' })
      .filter((r) => r.state === 'running')
    if (!running) throw new Error('no running NCP server')
    const w = window()
    const r = await ncp('/cw_fea/real/cw/api/data/query', {
      body: {
        ...w,
        cw_key: SERVER,
        productName: 'System/Server(VPC)',
        metric: 'avg_cpu_used_rto',
        interval: 'Min1',
        aggregation: 'MAX',
        dimensions: { instanceNo: running.id },
      },
    })
    expect(r.status).toBe(200)
    const dps = r.body as [number, number][]
    expect(dps.length).toBeGreaterThanOrEqual(58)
    expect(dps[0]?.[0]).toBe(w.timeStart)
    const keys = await ncp('/cw_fea/real/cw/api/schema/system/list')
    expect(keys.body).toEqual([
      { cw_key: SERVER, prodName: 'Server(VPC)' },
      { cw_key: '470208511578607616', prodName: 'Cloud DB for MySQL(VPC)' },
    ])
    const badMetric = await ncp('/cw_fea/real/cw/api/data/query', {
      body: { ...w, cw_key: SERVER, metric: 'CPUUtilization', dimensions: { instanceNo: running.id } },
    })
    expect(badMetric.status).toBe(400)
  })
})

describe('NCP billing', () => {
  it('bills in KRW per month, per product and region, and per resource, with consistent totals', async () => {
    const now = new Date()
    const ym = (d: Date) => `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}`
    const prev = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1))
    const q = `responseFormatType=json&startMonth=${ym(prev)}&endMonth=${ym(now)}`
    const demand = inner((await ncp(`/billing/v1/cost/getDemandCostList?${q}`)).body, 'getDemandCostList')
    const rows = demand.demandCostList as Obj[]
    expect(rows.length).toBeGreaterThanOrEqual(1)
    const memberNo = accountOf(getSim(), 'ncp').id
    for (const d of rows) {
      expect(d).toMatchObject({
        memberNo,
        payCurrency: { code: 'KRW' },
        demandMonth: expect.stringMatching(/^\d{6}$/),
      })
      expect(d.thisMonthDemandAmount).toBeGreaterThan(0)
      expect(d.totalDemandAmount).toBe((d.thisMonthDemandAmount as number) + (d.thisMonthVatAmount as number))
    }
    const products = inner(
      (await ncp(`/billing/v1/cost/getProductDemandCostList?${q}`)).body,
      'getProductDemandCostList',
    ).productDemandCostList as Obj[]
    const contracts = inner(
      (await ncp(`/billing/v1/cost/getContractDemandCostList?${q}`)).body,
      'getContractDemandCostList',
    ).contractDemandCostList as Obj[]
    expect(new Set(products.map((p) => (p.productDemandType as Obj).codeName))).toEqual(
      new Set(['Server', 'NAT Gateway', 'Cloud DB for MySQL']),
    )
    for (const d of rows) {
      const month = d.demandMonth
      const sum = (xs: Obj[]) =>
        xs.filter((x) => x.demandMonth === month).reduce((n, x) => n + (x.demandAmount as number), 0)
      expect(sum(products)).toBe(d.thisMonthDemandAmount)
      expect(sum(contracts)).toBe(d.thisMonthDemandAmount)
    }
    const instanceNos = new Set(
      contracts.flatMap((c) => ((c.contract as Obj).contractProductList as Obj[]).map((p) => p.instanceNo)),
    )
    for (const r of getSim().control.resources({ cloud: 'ncp', type: 'ncp.server' }))
      expect(instanceNos.has(r.id)).toBe(true)
    // The VPC is free: it never appears on the bill.
    const vpc = getSim().control.resources({ cloud: 'ncp', type: 'ncp.vpc' })[0]
    expect(instanceNos.has(vpc?.id)).toBe(false)

    const tooLong = await ncp(
      `/billing/v1/cost/getDemandCostList?responseFormatType=json&startMonth=202601&endMonth=202604`,
    )
    expect(tooLong.status).toBe(400)
  })
})

describe('NCP faults and the control API', () => {
  it('throttles with 429, denies with 401/210 and cuts a body in half, counting each call', async () => {
    const sim = getSim()
    sim.control.addFault({
      cloud: 'ncp',
      api: 'ncp.vserver',
      operation: 'getServerInstanceList',
      throttleRate: 0.5,
    })
    const path = '/vserver/v2/getServerInstanceList?responseFormatType=json&regionCode=KR'
    const first = await ncp(path)
    expect(first.status).toBe(429)
    expect(first.body).toMatchObject({ error: { errorCode: '410', message: 'Throttle Limited' } })
    expect((await ncp(path)).status).toBe(200)
    const row = sim.control.calls().rows.find((r) => r.operation === 'getServerInstanceList')
    expect(row).toMatchObject({ calls: 2, throttled: 1, region: 'KR', account: accountOf(sim, 'ncp').id })
    sim.control.clearFaults()
    sim.control.addFault({ cloud: 'ncp', api: 'ncp.vpc', deny: true })
    expect((await ncp('/vpc/v2/getVpcList?responseFormatType=json')).body).toMatchObject({
      error: { errorCode: '210', message: 'Permission Denied' },
    })
    sim.control.clearFaults()
    sim.control.addFault({ cloud: 'ncp', api: 'ncp.cloudinsight', malformedRate: 1 })
    const cut = await ncp('/cw_fea/real/cw/api/schema/system/list')
    expect(cut.status).toBe(200)
    expect(cut.body).toBeUndefined()
  })

  it('creates, stops and deletes a server through the control API; a deleted one lingers as terminating for an hour', async () => {
    const sim = getSim()
    const account = accountOf(sim, 'ncp').id
    const res = await fetch(`${sim.urls.control}/_sim/resources`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        cloud: 'ncp',
        account,
        region: 'KR',
        type: 'ncp.server',
        name: '신규-서버',
        attrs: { serverSpecCode: 'c4-g3' },
      }),
    })
    expect(res.status).toBe(201)
    const created = (await res.json()) as { id: string }
    const find = async () =>
      ((await servers()).serverInstanceList as Obj[]).find((s) => s.serverInstanceNo === created.id)
    expect(await find()).toMatchObject({
      serverName: '신규-서버',
      serverSpecCode: 'c4-g3',
      cpuCount: 4,
      serverInstanceStatusName: 'running',
    })
    const state = (s: string) =>
      fetch(`${sim.urls.control}/_sim/resources/state`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id: created.id, state: s }),
      })
    expect((await state('stopped')).status).toBe(200)
    expect(await find()).toMatchObject({ serverInstanceStatus: { code: 'NSTOP' } })
    expect((await state('running')).status).toBe(200)
    expect((await state('terminated')).status).toBe(200)
    expect(await find()).toMatchObject({
      serverInstanceStatus: { code: 'RUN' },
      serverInstanceOperation: { code: 'TERMT' },
      serverInstanceStatusName: 'terminating',
    })
    sim.control.advanceClock(3601_000)
    try {
      expect(await find()).toBeUndefined()
    } finally {
      sim.control.setClockOffset(0)
    }
  })
})
