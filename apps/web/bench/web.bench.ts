/**
 * Web read-path benchmark: 1,000 resources, 30 days of 1-minute-derived data (5 m and 1 h rollups for
 * 30 days, raw 1-minute points for the last 24 h — raw retention is shorter than 30 days anyway).
 * Times the overview, one inventory page and a 7-day chart through the real route handler.
 *   npx tsx apps/web/bench/web.bench.ts        (from the repo root; needs PostgreSQL)
 */
import { performance } from 'node:perf_hooks'
import { call, setupWebTest } from '../test/harness'
import { recordBench } from '../../../bench/lib'

const N = Number(process.argv[2] ?? 60)

function pct(xs: number[], p: number) {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!
}

async function time(label: string, fn: () => Promise<unknown>, target: number) {
  for (let i = 0; i < 5; i++) await fn()
  const xs: number[] = []
  for (let i = 0; i < N; i++) {
    const t0 = performance.now()
    await fn()
    xs.push(performance.now() - t0)
  }
  const p95 = pct(xs, 95)
  recordBench([
    { area: 'web', metric: `${label.trim()} p50`, value: pct(xs, 50), unit: 'ms' },
    {
      area: 'web',
      metric: `${label.trim()} p95`,
      value: p95,
      unit: 'ms',
      target: Number.isFinite(target) ? `≤ ${target} ms` : undefined,
      pass: p95 <= target,
    },
  ])
  console.log(
    `${label.padEnd(34)} p50 ${pct(xs, 50).toFixed(1).padStart(7)} ms   p95 ${p95.toFixed(1).padStart(7)} ms   target p95 ≤ ${target} ms ${p95 <= target ? 'OK' : 'MISSED'}`,
  )
}

const { db, teardown } = await setupWebTest()
try {
  const seed = await import('../src/server/demo-seed')
  const t0 = performance.now()
  const demo = await seed.seedDemoOrganization(db.worker, {
    estate: { accounts: 4, resourcesPerAccount: 250, days: 30, rawHours: 24, newFraction: 0.02 },
  })
  const series = await db.worker.metricSeries.count({ where: { tenantId: demo.organizationId } })
  console.log(
    `seeded 1,000 resources, ${series} series (30 d rollups, 24 h raw) in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  )
  await db.worker.$executeRawUnsafe('ANALYZE')
  const { routes } = await import('../src/server/api/routes')
  const { readOverview } = await import('../src/server/overview')
  const { authorize } = await import('../src/server/tenant-guard')
  const tenant = await authorize(new Headers({ authorization: `Bearer ${demo.apiKey}` }), { role: 'viewer' })
  const res = await db.worker.resource.findFirstOrThrow({
    where: { tenantId: demo.organizationId, type: 'ec2.instance' },
  })
  const to = new Date()
  const from = new Date(to.getTime() - 7 * 86_400_000)
  await time('overview (all aggregates)', () => readOverview(tenant), 200)
  await time(
    'inventory page (50 rows, API)',
    () =>
      call(routes.listResources.handler, {
        query: { limit: '50', sort: 'name' },
        auth: { apiKey: demo.apiKey },
      }),
    200,
  )
  await time(
    'inventory filtered+search (API)',
    () =>
      call(routes.listResources.handler, {
        query: { limit: '50', q: 'web', region: 'eu-west-1', sort: 'lastSeenAt', order: 'desc' },
        auth: { apiKey: demo.apiKey },
      }),
    200,
  )
  await time(
    '7-day chart (metrics API, 5m)',
    async () => {
      const r = await call(routes.getResourceMetrics.handler, {
        params: { id: res.id },
        query: { metric: 'CPUUtilization', from: from.toISOString(), to: to.toISOString() },
        auth: { apiKey: demo.apiKey },
      })
      if (r.status !== 200 || (r.body.points as unknown[]).length < 2000)
        throw new Error(`chart: ${r.status}`)
    },
    100,
  )
} finally {
  await teardown()
}
