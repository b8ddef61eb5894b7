import {
  CloudWatchClient,
  GetMetricDataCommand,
  ListMetricsCommand,
  paginateGetMetricData,
  paginateListMetrics,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch'
import { AwsQueryProtocol, AwsSmithyRpcV2CborProtocol } from '@aws-sdk/core/protocols'
import { describe, expect, it } from 'vitest'
import { aggregateBuckets } from '../world/metrics'
import { accountOf, useCloudSim } from '../testing/sim-fixture'

const getSim = useCloudSim()

const PROTOCOLS = { json: undefined, query: AwsQueryProtocol, cbor: AwsSmithyRpcV2CborProtocol } as const

function cw(protocol: keyof typeof PROTOCOLS = 'json') {
  const sim = getSim()
  const a = accountOf(sim, 'aws')
  const p = PROTOCOLS[protocol]
  return new CloudWatchClient({
    region: 'us-east-1',
    endpoint: sim.urls.aws,
    credentials: a.credentials.accessKeys,
    maxAttempts: 1,
    ...(p ? { protocol: p } : {}),
  })
}

function instances() {
  const sim = getSim()
  return sim.control.resources({ cloud: 'aws', type: 'ec2.instance', region: 'us-east-1' })
}

/** A 5-hour window ending at the last full hour (fully ingested). */
function window() {
  const now = Math.floor(getSim().world.nowSeconds() / 3600) * 3600 - 3600
  return { start: now - 5 * 3600, end: now }
}

function cpuQuery(id: string, instanceId: string, stat = 'Average', period = 300): MetricDataQuery {
  return {
    Id: id,
    MetricStat: {
      Metric: {
        Namespace: 'AWS/EC2',
        MetricName: 'CPUUtilization',
        Dimensions: [{ Name: 'InstanceId', Value: instanceId }],
      },
      Period: period,
      Stat: stat,
    },
    ReturnData: true,
  }
}

describe('CloudWatch GetMetricData', () => {
  for (const protocol of ['json', 'query', 'cbor'] as const) {
    it(`returns the exact truth over ${protocol}`, async () => {
      const sim = getSim()
      const inst = instances()[0]
      if (!inst) throw new Error('no instance')
      const { start, end } = window()
      const out = await cw(protocol).send(
        new GetMetricDataCommand({
          StartTime: new Date(start * 1000),
          EndTime: new Date(end * 1000),
          ScanBy: 'TimestampAscending',
          MetricDataQueries: [
            cpuQuery('avg', inst.id),
            cpuQuery('p90', inst.id, 'p90'),
            cpuQuery('n', inst.id, 'SampleCount', 3600),
          ],
        }),
      )
      const truth = aggregateBuckets(sim.world, inst.id, 'CPUUtilization', {
        startSec: start,
        endSec: end,
        periodSec: 300,
        stat: 'Average',
      })
      const avg = out.MetricDataResults?.find((r) => r.Id === 'avg')
      expect(avg?.StatusCode).toBe('Complete')
      expect(avg?.Timestamps).toHaveLength(60)
      expect(avg?.Timestamps?.[0]).toBeInstanceOf(Date)
      expect(avg?.Timestamps?.map((t) => t.getTime() / 1000)).toEqual(truth.map((b) => b.t))
      expect(avg?.Values).toEqual(truth.map((b) => b.value))
      expect(out.MetricDataResults?.find((r) => r.Id === 'n')?.Values).toEqual([60, 60, 60, 60, 60])
      const p90 = out.MetricDataResults?.find((r) => r.Id === 'p90')
      expect(p90?.Values?.length).toBe(60)
    })
  }

  it('defaults to TimestampDescending and is deterministic', async () => {
    const inst = instances()[0]
    if (!inst) throw new Error('no instance')
    const { start, end } = window()
    const q = {
      StartTime: new Date(start * 1000),
      EndTime: new Date(end * 1000),
      MetricDataQueries: [cpuQuery('a', inst.id)],
    }
    const one = await cw().send(new GetMetricDataCommand(q))
    const two = await cw('cbor').send(new GetMetricDataCommand(q))
    const ts = one.MetricDataResults?.[0]?.Timestamps?.map((t) => t.getTime()) ?? []
    expect(ts[0]).toBeGreaterThan(ts[1] ?? Infinity)
    expect(two.MetricDataResults?.[0]?.Values).toEqual(one.MetricDataResults?.[0]?.Values)
  })

  it('pages by MaxDatapoints with PartialData and NextToken', async () => {
    const [a, b] = instances()
    if (!a || !b) throw new Error('need two instances')
    const { start, end } = window()
    const pages: { id: string; n: number; status: string }[][] = []
    const input = {
      StartTime: new Date(start * 1000),
      EndTime: new Date(end * 1000),
      MaxDatapoints: 50,
      MetricDataQueries: [cpuQuery('a', a.id), cpuQuery('b', b.id)],
    }
    for await (const p of paginateGetMetricData({ client: cw('query') }, { ...input }))
      pages.push(
        (p.MetricDataResults ?? []).map((r) => ({
          id: r.Id ?? '',
          n: r.Values?.length ?? 0,
          status: r.StatusCode ?? '',
        })),
      )
    expect(pages).toEqual([
      [{ id: 'a', n: 50, status: 'PartialData' }],
      [
        { id: 'a', n: 10, status: 'Complete' },
        { id: 'b', n: 40, status: 'PartialData' },
      ],
      [{ id: 'b', n: 20, status: 'Complete' }],
    ])
  })

  it('evaluates SUM(METRICS()) and rejects unsupported expressions', async () => {
    const [a, b] = instances()
    if (!a || !b) throw new Error('need two instances')
    const { start, end } = window()
    const base = {
      StartTime: new Date(start * 1000),
      EndTime: new Date(end * 1000),
      ScanBy: 'TimestampAscending' as const,
    }
    const out = await cw().send(
      new GetMetricDataCommand({
        ...base,
        MetricDataQueries: [
          { ...cpuQuery('m1', a.id), ReturnData: false },
          { ...cpuQuery('m2', b.id), ReturnData: false },
          { Id: 'total', Expression: 'SUM(METRICS())', ReturnData: true },
        ],
      }),
    )
    const parts = await cw().send(
      new GetMetricDataCommand({ ...base, MetricDataQueries: [cpuQuery('m1', a.id), cpuQuery('m2', b.id)] }),
    )
    const v1 = parts.MetricDataResults?.[0]?.Values ?? []
    const v2 = parts.MetricDataResults?.[1]?.Values ?? []
    expect(out.MetricDataResults).toHaveLength(1)
    expect(out.MetricDataResults?.[0]?.Values?.[0]).toBeCloseTo((v1[0] ?? 0) + (v2[0] ?? 0), 9)
    await expect(
      cw().send(
        new GetMetricDataCommand({
          ...base,
          MetricDataQueries: [cpuQuery('m1', a.id), { Id: 'x', Expression: 'ANOMALY_DETECTION_BAND(m1)' }],
        }),
      ),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 400 } })
  })

  it('rejects more than 500 queries and bad parameters like AWS', async () => {
    const inst = instances()[0]
    if (!inst) throw new Error('no instance')
    const { start, end } = window()
    const many = Array.from({ length: 501 }, (_, i) => cpuQuery(`q${i}`, inst.id))
    for (const protocol of ['json', 'query', 'cbor'] as const) {
      const err = await cw(protocol)
        .send(
          new GetMetricDataCommand({
            StartTime: new Date(start * 1000),
            EndTime: new Date(end * 1000),
            MetricDataQueries: many,
          }),
        )
        .catch((e: unknown) => e)
      expect(err).toMatchObject({ $metadata: { httpStatusCode: 400 } })
      expect(String((err as Error).message)).toContain('must not have a size greater than 500')
    }
    await expect(
      cw().send(
        new GetMetricDataCommand({
          StartTime: new Date(end * 1000),
          EndTime: new Date(start * 1000),
          MetricDataQueries: [cpuQuery('a', inst.id)],
        }),
      ),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 400 } })
    await expect(
      cw().send(
        new GetMetricDataCommand({
          StartTime: new Date(start * 1000),
          EndTime: new Date(end * 1000),
          MaxDatapoints: 100_801,
          MetricDataQueries: [cpuQuery('a', inst.id)],
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException' })
    await expect(
      cw('query').send(
        new GetMetricDataCommand({
          StartTime: new Date(start * 1000),
          EndTime: new Date(end * 1000),
          MetricDataQueries: [cpuQuery('a', inst.id, 'Bogus')],
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException', Code: 'InvalidParameterValue' })
  })

  it('counts metrics requested as billable units', async () => {
    const sim = getSim()
    sim.control.resetCalls()
    const inst = instances()[0]
    if (!inst) throw new Error('no instance')
    const { start, end } = window()
    await cw().send(
      new GetMetricDataCommand({
        StartTime: new Date(start * 1000),
        EndTime: new Date(end * 1000),
        MetricDataQueries: [cpuQuery('a', inst.id), cpuQuery('b', inst.id, 'Maximum')],
      }),
    )
    const row = sim.control.calls().rows.find((r) => r.operation === 'GetMetricData')
    expect(row).toMatchObject({
      cloud: 'aws',
      api: 'cloudwatch',
      calls: 1,
      billableUnits: 2,
      region: 'us-east-1',
    })
  })
})

describe('CloudWatch ListMetrics', () => {
  for (const protocol of ['json', 'query', 'cbor'] as const) {
    it(`lists metrics of live resources over ${protocol}`, async () => {
      const out = await cw(protocol).send(
        new ListMetricsCommand({ Namespace: 'AWS/EC2', MetricName: 'CPUUtilization' }),
      )
      expect(out.Metrics).toHaveLength(3)
      expect(out.Metrics?.[0]?.Dimensions?.[0]?.Name).toBe('InstanceId')
      const pages: number[] = []
      for await (const p of paginateListMetrics({ client: cw(protocol) }, {}))
        pages.push(p.Metrics?.length ?? 0)
      expect(pages.reduce((a, b) => a + b, 0)).toBeGreaterThan(20)
    })
  }
})
