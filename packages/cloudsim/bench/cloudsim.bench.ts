/**
 * `npm run bench -w @cms/cloudsim`: memory of a 10,000-resource world and GetMetricData latency for
 * 500 queries × 60 points (raw HTTP round trip = what the simulator costs, and through the SDK), and
 * Cloud Insight QueryDataMultiple at its 20-condition limit × 60 points (signed, raw HTTP).
 */
import { request } from 'node:http'
import type { MetricDataQuery } from '@aws-sdk/client-cloudwatch'
import { ncpSignature } from '../src/ncp/ncp-server'
import { startCloudSim } from '../src/start'
import { recordBench } from '../../../bench/lib'

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)] ?? NaN
}

function post(
  url: string,
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } },
      (res) => {
        let bytes = 0
        res.on('data', (c: Buffer) => (bytes += c.length))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }))
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

async function main(): Promise<void> {
  global.gc?.()
  const before = process.memoryUsage()
  const t0 = performance.now()
  const sim = await startCloudSim({ scenario: 'scale', resources: 10_000, seed: 1 })
  const startMs = performance.now() - t0
  global.gc?.()
  const after = process.memoryUsage()
  const summary = sim.control.summary()
  console.log(
    `world: ${summary.total} live resources (${JSON.stringify(summary.byCloud)}), started in ${startMs.toFixed(0)} ms`,
  )
  console.log(
    `memory: rss ${(after.rss / 2 ** 20).toFixed(1)} MB total, heap used ${(after.heapUsed / 2 ** 20).toFixed(1)} MB (+${((after.heapUsed - before.heapUsed) / 2 ** 20).toFixed(1)} MB for the world)`,
  )

  const acct = sim.control.accounts().find((a) => a.cloud === 'aws')
  if (!acct || acct.cloud !== 'aws') throw new Error('no aws account')
  const region = 'us-east-1'
  const ids = sim.control
    .resources({ cloud: 'aws', account: acct.id, region, type: 'ec2.instance' })
    .map((r) => r.id)
  const queries: MetricDataQuery[] = Array.from({ length: 500 }, (_, i) => ({
    Id: `q${i}`,
    MetricStat: {
      Metric: {
        Namespace: 'AWS/EC2',
        MetricName: 'CPUUtilization',
        Dimensions: [{ Name: 'InstanceId', Value: ids[i % ids.length] ?? '' }],
      },
      Period: 300,
      Stat: 'Average',
    },
  }))
  const end = Math.floor(sim.world.nowSeconds() / 3600) * 3600 - 3600
  const start = end - 60 * 300
  const body = JSON.stringify({
    MetricDataQueries: queries,
    StartTime: start,
    EndTime: end,
    ScanBy: 'TimestampAscending',
  })
  const headers = {
    'content-type': 'application/x-amz-json-1.0',
    'x-amz-target': 'GraniteServiceVersion20100801.GetMetricData',
    authorization: `AWS4-HMAC-SHA256 Credential=${acct.credentials.accessKeys.accessKeyId}/20260101/${region}/monitoring/aws4_request, SignedHeaders=host, Signature=0`,
  }
  const raw: number[] = []
  let size = 0
  for (let i = 0; i < 60; i++) {
    const t = performance.now()
    const r = await post(sim.urls.aws, headers, body)
    if (r.status !== 200) throw new Error(`status ${r.status}`)
    size = r.bytes
    if (i >= 10) raw.push(performance.now() - t)
  }
  // NCP: one Cloud Insight batch at its documented maximum (20 conditions), Min5 × 60 points each.
  const ncpAcct = sim.control.accounts().find((a) => a.cloud === 'ncp')
  if (!ncpAcct || ncpAcct.cloud !== 'ncp') throw new Error('no ncp account')
  const ncpIds = sim.control
    .resources({ cloud: 'ncp', type: 'ncp.server', region: 'KR' })
    .filter((r) => r.state === 'running')
    .map((r) => r.id)
  const ciPath = '/cw_fea/real/cw/api/data/query/multiple'
  const ciBody = JSON.stringify({
    timeStart: start * 1000,
    timeEnd: end * 1000,
    metricInfoList: Array.from({ length: 20 }, (_, i) => ({
      prodKey: '460438474722512896',
      metric: 'avg_cpu_used_rto',
      interval: 'Min5',
      aggregation: 'AVG',
      dimensions: { instanceNo: ncpIds[i % ncpIds.length] ?? '' },
    })),
  })
  const ci: number[] = []
  let ciSize = 0
  for (let i = 0; i < 60; i++) {
    const ts = String(Date.now())
    const { accessKey, secretKey } = ncpAcct.credentials
    const t = performance.now()
    const r = await post(
      `${sim.urls.ncp}${ciPath}`,
      {
        'content-type': 'application/json',
        'x-ncp-apigw-timestamp': ts,
        'x-ncp-iam-access-key': accessKey,
        'x-ncp-apigw-signature-v2': ncpSignature(secretKey, 'POST', ciPath, ts, accessKey),
      },
      ciBody,
    )
    if (r.status !== 200) throw new Error(`QueryDataMultiple status ${r.status}`)
    ciSize = r.bytes
    if (i >= 10) ci.push(performance.now() - t)
  }
  const worldRss = after.rss / 2 ** 20
  // The SDK is loaded only now so the memory figure above is the simulator's alone.
  const { CloudWatchClient, GetMetricDataCommand } = await import('@aws-sdk/client-cloudwatch')
  const client = new CloudWatchClient({
    region,
    endpoint: sim.urls.aws,
    credentials: acct.credentials.accessKeys,
    maxAttempts: 1,
  })
  const sdk: number[] = []
  let points = 0
  for (let i = 0; i < 25; i++) {
    const t = performance.now()
    const out = await client.send(
      new GetMetricDataCommand({
        MetricDataQueries: queries,
        StartTime: new Date(start * 1000),
        EndTime: new Date(end * 1000),
        ScanBy: 'TimestampAscending',
      }),
    )
    if (i >= 5) sdk.push(performance.now() - t)
    points = out.MetricDataResults?.reduce((s, r) => s + (r.Values?.length ?? 0), 0) ?? 0
  }
  console.log(
    `GetMetricData 500 queries × 60 points (${points} points, ${(size / 1024).toFixed(0)} KiB JSON):`,
  )
  console.log(
    `  simulator (raw HTTP round trip): median ${median(raw).toFixed(2)} ms, p90 ${[...raw].sort((a, b) => a - b)[Math.floor(raw.length * 0.9)]?.toFixed(2)} ms  [target < 20 ms]`,
  )
  console.log(`  through @aws-sdk/client-cloudwatch (incl. SDK serde): median ${median(sdk).toFixed(2)} ms`)
  console.log(
    `Cloud Insight QueryDataMultiple 20 conditions × 60 points (${(ciSize / 1024).toFixed(0)} KiB JSON, signature checked): median ${median(ci).toFixed(2)} ms  [target < 10 ms]`,
  )
  console.log(
    `simulator process with the 10,000-resource world: rss ${worldRss.toFixed(1)} MB  [target < 300 MB]`,
  )
  console.log(
    `(whole bench process after loading the AWS SDK and ${raw.length + 35} large calls: rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(1)} MB)`,
  )
  const ok = median(raw) < 20 && worldRss < 300 && median(ci) < 10
  recordBench([
    {
      area: 'cloudsim',
      metric: 'GetMetricData 500 queries × 60 points, median',
      value: median(raw),
      unit: 'ms',
      target: '< 20 ms',
      pass: median(raw) < 20,
    },
    {
      area: 'cloudsim',
      metric: 'Cloud Insight QueryDataMultiple 20 conditions × 60 points, median',
      value: median(ci),
      unit: 'ms',
      target: '< 10 ms',
      pass: median(ci) < 10,
    },
    {
      area: 'cloudsim',
      metric: '10,000-resource world, simulator RSS',
      value: worldRss,
      unit: 'MB',
      target: '< 300 MB',
      pass: worldRss < 300,
    },
  ])
  console.log(ok ? 'PASS' : 'FAIL')
  await sim.stop()
  if (!ok) process.exitCode = 1
}

void main()
