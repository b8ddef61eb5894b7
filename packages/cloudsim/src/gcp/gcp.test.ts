import { BigQuery } from '@google-cloud/bigquery'
import { InstancesClient, NetworksClient, RegionsClient } from '@google-cloud/compute'
import { MetricServiceClient } from '@google-cloud/monitoring'
import { SqlInstancesServiceClient } from '@google-cloud/sql'
import { GoogleAuth, JWT } from 'google-auth-library'
import { afterEach, describe, expect, it } from 'vitest'
import { dailyCosts, DAY, dayString } from '../world/costs'
import { aggregateBuckets } from '../world/metrics'
import { accountOf, useCloudSim } from '../testing/sim-fixture'

const getSim = useCloudSim()
afterEach(() => getSim().control.reset())

function setup(override?: { key?: string; keyId?: string }) {
  const sim = getSim()
  const a = accountOf(sim, 'gcp')
  const c = a.credentials
  const jwt = new JWT({
    email: c.client_email,
    key: override?.key ?? c.private_key,
    keyId: override?.keyId ?? c.private_key_id,
    scopes: ['https://www.googleapis.com/auth/cloud-platform'],
  })
  jwt.useJWTAccessWithScope = true
  const auth = new GoogleAuth({ authClient: jwt })
  const u = new URL(sim.urls.gcp)
  const conn = { apiEndpoint: u.hostname, port: Number(u.port), protocol: 'http' as const, auth }
  return { sim, a, project: c.project_id, jwt, conn }
}

describe('GCP Compute + Cloud SQL', () => {
  it('aggregated instances, networks and regions (REST)', async () => {
    const { sim, project, conn } = setup()
    const instances = new InstancesClient(conn)
    const found: { zone: string; name: string; status: string; created: string }[] = []
    for await (const [scope, list] of instances.aggregatedListAsync({ project, maxResults: 1 })) {
      for (const i of list.instances ?? [])
        found.push({
          zone: scope,
          name: i.name ?? '',
          status: i.status ?? '',
          created: i.creationTimestamp ?? '',
        })
    }
    const truth = sim.control.resources({ cloud: 'gcp', type: 'gcp.instance', account: project })
    expect(found).toHaveLength(truth.length)
    expect(found[0]?.zone).toMatch(/^zones\/asia-northeast3-[abc]$/)
    expect(found[0]?.status).toBe('RUNNING')
    expect(Number.isNaN(Date.parse(found[0]?.created ?? ''))).toBe(false)
    const [nets] = await new NetworksClient(conn).list({ project })
    expect(nets[0]?.autoCreateSubnetworks).toBe(true)
    const [regions] = await new RegionsClient(conn).list({ project })
    expect(regions.map((r) => r.name)).toContain('asia-northeast3')
  })

  it('Cloud SQL instances list', async () => {
    const { project, conn } = setup()
    const sql = new SqlInstancesServiceClient({ ...conn, fallback: true })
    const [res] = await sql.list({ project })
    expect(res.items?.[0]?.state).toBe('RUNNABLE')
    expect(res.items?.[0]?.settings?.tier).toMatch(/^db-/)
  })
})

describe('GCP Monitoring', () => {
  it('timeSeries.list with integer enums, label filters and paging returns the exact truth', async () => {
    const { sim, project, conn } = setup()
    const client = new MetricServiceClient({ ...conn, fallback: true })
    const inst = sim.control.resources({ cloud: 'gcp', type: 'gcp.instance', account: project })[0]
    if (!inst) throw new Error('no instance')
    const end = Math.floor(sim.world.nowSeconds() / 3600) * 3600 - 3600
    const start = end - 3600
    const metric = 'compute.googleapis.com/instance/cpu/utilization'
    const req = {
      name: `projects/${project}`,
      filter: `metric.type = "${metric}" AND resource.type = "gce_instance" AND resource.labels.instance_id = "${inst.id}"`,
      interval: { startTime: { seconds: start }, endTime: { seconds: end } },
      aggregation: { alignmentPeriod: { seconds: 300 }, perSeriesAligner: 'ALIGN_MEAN' as const },
    }
    const [series] = await client.listTimeSeries(req)
    expect(series).toHaveLength(1)
    const points = series[0]?.points ?? []
    const truth = aggregateBuckets(sim.world, inst.id, metric, {
      startSec: start,
      endSec: end,
      periodSec: 300,
      stat: 'Average',
    })
    expect(points.map((p) => p.value?.doubleValue)).toEqual(truth.map((b) => b.value).reverse())
    expect(Number(points[0]?.interval?.endTime?.seconds)).toBe((truth.at(-1)?.t ?? 0) + 300)
    expect(series[0]?.resource?.labels?.zone).toBe(inst.zone)

    sim.control.setLimits({ gcpPageSize: 1 })
    const all = []
    for await (const s of client.listTimeSeriesAsync({
      ...req,
      filter: `metric.type = "${metric}" AND resource.type = "gce_instance"`,
    }))
      all.push(s)
    expect(all).toHaveLength(
      sim.control.resources({ cloud: 'gcp', type: 'gcp.instance', account: project }).length,
    )
    const bytes = await client.listTimeSeries({
      ...req,
      filter: 'metric.type = "compute.googleapis.com/instance/network/received_bytes_count"',
      aggregation: { alignmentPeriod: { seconds: 600 }, perSeriesAligner: 'ALIGN_SUM' },
    })
    expect(bytes[0][0]?.points?.[0]?.value?.int64Value).toMatch(/^\d+$/)
    const [descriptors] = await client.listMetricDescriptors({
      name: `projects/${project}`,
      filter: 'metric.type = starts_with("compute.googleapis.com")',
    })
    expect(descriptors.length).toBeGreaterThan(2)
  })

  it('rejects foreign projects (403), unknown keys and revoked accounts (401), and throttles with 429', async () => {
    const { sim, a, project, conn } = setup()
    const client = new MetricServiceClient({ ...conn, fallback: true })
    const base = {
      filter: 'metric.type = "compute.googleapis.com/instance/cpu/utilization"',
      interval: {
        startTime: { seconds: sim.world.nowSeconds() - 3600 },
        endTime: { seconds: sim.world.nowSeconds() },
      },
    }
    await expect(client.listTimeSeries({ ...base, name: 'projects/someone-else-123' })).rejects.toMatchObject(
      { code: 7 },
    )
    sim.control.addFault({ cloud: 'gcp', api: 'gcp.monitoring', throttleRate: 1 })
    await expect(client.listTimeSeries({ ...base, name: `projects/${project}` })).rejects.toMatchObject({
      code: 8,
    })
    sim.control.clearFaults()
    const other = setup({ keyId: 'f'.repeat(40) })
    await expect(
      new MetricServiceClient({ ...other.conn, fallback: true }).listTimeSeries({
        ...base,
        name: `projects/${project}`,
      }),
    ).rejects.toMatchObject({ code: 16 })
    sim.control.revokeCredentials('gcp', a.id)
    await expect(client.listTimeSeries({ ...base, name: `projects/${project}` })).rejects.toMatchObject({
      code: 16,
    })
    const rotated = await sim.control.rotateCredentials('gcp', a.id)
    if (rotated.cloud !== 'gcp') throw new Error('gcp')
    const fresh = setup({ key: rotated.credentials.private_key, keyId: rotated.credentials.private_key_id })
    await expect(
      new MetricServiceClient({ ...fresh.conn, fallback: true }).listTimeSeries({
        ...base,
        name: `projects/${project}`,
      }),
    ).resolves.toBeDefined()
  })
})

describe('BigQuery billing export', () => {
  it('answers the daily-cost-by-service query shape', async () => {
    const { sim, project } = setup()
    const a = accountOf(sim, 'gcp')
    const c = a.credentials
    const jwt = new JWT({
      email: c.client_email,
      key: c.private_key,
      keyId: c.private_key_id,
      scopes: ['https://www.googleapis.com/auth/cloud-platform'],
    })
    jwt.useJWTAccessWithScope = true
    const bq = new BigQuery({ projectId: project, apiEndpoint: sim.urls.gcp, authClient: jwt })
    const from = dayString(sim.world.nowSeconds() - 7 * DAY)
    const to = dayString(sim.world.nowSeconds())
    const [rows] = await bq.query({
      query:
        'SELECT DATE(usage_start_time) AS day, service.description AS service, location.region AS region, SUM(cost) AS cost, currency FROM `billing.billing_export.gcp_billing_export_v1_01ABCD` WHERE DATE(usage_start_time) >= @start AND DATE(usage_start_time) < @end GROUP BY day, service, region, currency ORDER BY day',
      params: { start: from, end: to },
    })
    const truth = dailyCosts(sim.world.resourcesOf(project), from, to, sim.world.nowSeconds())
    expect(rows).toHaveLength(truth.length)
    const first = rows[0] as { day: { value: string }; service: string; cost: number; currency: string }
    expect(first.day.value).toBe(truth[0]?.day)
    expect(first.cost).toBeCloseTo(truth[0]?.amount ?? 0, 5)
    expect(first.currency).toBe('USD')
    await expect(bq.query({ query: 'SELECT * FROM `x.y.some_table`' })).rejects.toMatchObject({ code: 404 })
  })
})
