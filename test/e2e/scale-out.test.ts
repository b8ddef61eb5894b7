/**
 * Scale-out: two worker processes and two web processes on one Redis and one PostgreSQL, against
 * cloudsim (the `scale` world, small: 120 resources in 3 AWS accounts, 2 Azure subscriptions and 2 GCP
 * projects). Nothing is shared between the processes but the two stores, as in a deployment behind a
 * load balancer.
 *
 *   1. The tenant connects every simulated account through the public API, alternating the two web
 *      processes (API key on one, a session signed in on the other): each write is visible on the other.
 *   2. Both workers take part (BullMQ's processedBy on completed jobs), and the split has no duplicates:
 *      every simulated resource is stored exactly once with exactly one resource.created event, metric
 *      points are unique per (series, ts), and over several metric periods the stored points equal the
 *      simulator's deterministic truth for every resource of every cloud — no hole, no wrong value. An
 *      instance created mid-run is picked up once, with its first minutes.
 *   3. Both web processes serve the same data (inventory pages, a metric series), an API key created on
 *      one works on the other and its revocation applies on both at once, a session ends everywhere on
 *      sign-out, and an account paused on one is paused for the other and for both workers.
 *
 * Clock: the simulator's clock moves in 5-minute steps (the metric period), the workers follow it. Web
 * processes: see ./web-child.ts (the app's route modules behind node:http, not `next start`).
 */
import type { ChildProcess } from 'node:child_process'
import { hostname } from 'node:os'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type pg from 'pg'
import { Queue, type Job } from 'bullmq'
import { Redis } from 'ioredis'
import { startCloudSim, type CloudSim } from '@cms/cloudsim'
import { LocalKeyring } from '@cms/core'
import { createTestDatabase, type TestDatabase } from '@cms/db/testing'
import type { ProviderRegistry } from '@cms/providers'
import { spawnWorker, verifyAgainstTruth } from '@cms/scheduler/testing/fault-harness'
import { ensureTestPlan } from '@cms/scheduler/testing/factories'
import {
  compareWithTruth,
  REDIS_URL,
  storedPoints,
  testPool,
  uniquePrefix,
  until,
} from '@cms/scheduler/testing/harness'
import { realProviders } from '@cms/scheduler/testing/registry'
import { spawnWeb, type WebProcess } from './web-child'

const PERIOD = 300_000
const STEPS = 6
const PUBLIC_URL = 'http://localhost:3998'
const keySpec = LocalKeyring.generateKeySpec('scale1')
const prefix = uniquePrefix()
const OWNER = { email: 'owner@scale-out.test', password: 'scale-out-password-1' }

let sim: CloudSim
let db: TestDatabase
let pool: pg.Pool
let providers: ProviderRegistry
let tenantId: string
let writeKey: string
let webA: WebProcess
let webB: WebProcess
const workers: ChildProcess[] = []
const children: ChildProcess[] = []
let redis: Redis
const queues: Record<'discovery' | 'metrics' | 'maintenance', Queue> = {} as never
/** Connected accounts: our id → the simulator's account. */
const connected = new Map<string, { cloud: string; name: string }>()
let cookie = ''

const simNow = () => Date.now() + sim.control.clock().offsetMs

beforeAll(async () => {
  ;[sim, db, providers] = await Promise.all([
    startCloudSim({ seed: 21, scenario: 'scale', resources: 120, port: 0 }),
    createTestDatabase(),
    realProviders(),
  ])
  pool = testPool(db.url)
  // The organization, its owner (password login) and a write key, as the web app's seed writes them.
  const seed = await import('../../apps/web/src/server/demo-seed')
  const org = await seed.seedDemoOrganization(db.worker, {
    ...OWNER,
    organizationName: 'Scale-out Org',
    estate: false,
  })
  tenantId = org.organizationId
  writeKey = org.apiKey
  // Fast polling as data: a plan with a 1-second minimum and the organization's schedule overrides.
  await db.worker.organization.update({
    where: { id: tenantId },
    data: {
      planId: await ensureTestPlan(db.worker),
      settings: { schedule: { discoveryIntervalMs: 3000, metricsIntervalMs: 1000 } },
    },
  })
  const poller = sim.control.poller()
  const webEnv = {
    DATABASE_URL: db.url,
    REDIS_URL,
    CMS_QUEUE_PREFIX: prefix,
    CMS_MASTER_KEYS: keySpec,
    AUTH_SECRET: 'scale-out-secret-scale-out-secret-0123456789',
    PUBLIC_URL,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error',
    CMS_AWS_ENDPOINT: sim.urls.aws,
    CMS_AZURE_ENDPOINT: sim.urls.azure,
    CMS_GCP_ENDPOINT: sim.urls.gcp,
    CMS_NCP_ENDPOINT: sim.urls.ncp,
    CMS_CLOUD_CA_FILE: sim.caCertFile,
    CMS_AWS_ACCESS_KEY_ID: poller.accessKeyId,
    CMS_AWS_SECRET_ACCESS_KEY: poller.secretAccessKey,
  }
  const workerOpts = {
    databaseUrl: db.url,
    redisUrl: REDIS_URL,
    queuePrefix: prefix,
    keySpec,
    endpoints: {
      aws: sim.urls.aws,
      azure: sim.urls.azure,
      gcp: sim.urls.gcp,
      ncp: sim.urls.ncp,
      caPem: sim.caCertPem,
    },
    controlUrl: sim.urls.control,
    concurrency: 4,
    logLevel: process.env.TEST_LOG_LEVEL ?? 'error',
  }
  const started = await Promise.all([
    spawnWeb(webEnv),
    spawnWeb(webEnv),
    spawnWorker(workerOpts),
    spawnWorker(workerOpts),
  ])
  ;[webA, webB] = [started[0], started[1]]
  workers.push(started[2], started[3])
  children.push(webA.child, webB.child, ...workers)
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null })
  for (const q of ['discovery', 'metrics', 'maintenance'] as const)
    queues[q] = new Queue(q, { connection: redis, prefix: `{${prefix}}` })
}, 120_000)

afterAll(async () => {
  for (const c of children) c.kill('SIGTERM')
  await new Promise((r) => setTimeout(r, 1500))
  for (const c of children) c.kill('SIGKILL')
  for (const q of Object.values(queues)) await q.close().catch(() => {})
  await redis?.quit()
  await pool?.end()
  await sim?.stop()
  await db?.drop()
})

interface Reply<T = Record<string, unknown>> {
  status: number
  body: T
  headers: Headers
}

/** A request as the load balancer forwards it: the public origin, a client address. */
async function api<T = Record<string, unknown>>(
  web: WebProcess,
  path: string,
  o: { method?: string; body?: unknown; apiKey?: string; cookie?: string } = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = { origin: PUBLIC_URL, 'x-forwarded-for': '198.51.100.20' }
  if (o.apiKey) headers.authorization = `Bearer ${o.apiKey}`
  if (o.cookie) headers.cookie = o.cookie
  if (o.body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(`${web.url}${path}`, {
    method: o.method ?? 'GET',
    headers,
    ...(o.body !== undefined ? { body: JSON.stringify(o.body) } : {}),
  })
  const text = await res.text()
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as T, headers: res.headers }
}

interface AccountOut {
  id: string
  name: string
  cloud: string
  status: string
  pausedAt: string | null
  resourceCount: number
}

/** The simulator's resources the product inventories (azure.sql_server is only the simulator's parent of SQL databases). */
const simResources = () =>
  sim.control
    .resources()
    .filter((r) => r.state !== 'terminated' && r.state !== 'absent' && r.type !== 'azure.sql_server')

/** Lowest watermark over every (account, region, period group) that has resources with metrics; null until each has one. */
async function lowestMark(): Promise<number | null> {
  const res = await pool.query<{ account_id: string; region: string; cloud: string; type: string }>(
    `SELECT DISTINCT account_id, region, cloud::text AS cloud, type FROM resource WHERE tenant_id = $1 AND terminated_at IS NULL`,
    [tenantId],
  )
  const want = new Set<string>()
  for (const r of res.rows)
    for (const d of providers[r.cloud as 'aws'].metrics?.catalog(r.type) ?? [])
      want.add(`${r.account_id}|${r.region}|p${d.periodSeconds}`)
  const marks = await pool.query<{ k: string; m: Date }>(
    `SELECT account_id || '|' || region || '|' || metric_group AS k, high_water AS m FROM metric_watermark WHERE tenant_id = $1`,
    [tenantId],
  )
  const have = new Map(marks.rows.map((r) => [r.k, r.m.getTime()]))
  if (want.size === 0 || [...want].some((k) => !have.has(k))) return null
  return Math.min(...[...want].map((k) => have.get(k)!))
}

describe('two workers and two web processes on one Redis and one PostgreSQL', () => {
  it('accounts connected through either web process are visible on both', async () => {
    // A session signed in on A …
    const signIn = await fetch(`${webA.url}/api/auth/sign-in/email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: PUBLIC_URL, 'x-forwarded-for': '198.51.100.21' },
      body: JSON.stringify(OWNER),
    })
    expect(signIn.status).toBe(200)
    cookie = signIn.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ')
    // … is a session on B (sessions live in PostgreSQL).
    const listed = await api<{ items: AccountOut[] }>(webB, '/api/v1/accounts', { cookie })
    expect(listed.status).toBe(200)
    expect(listed.body.items).toEqual([])

    // Every simulated account, alternately through A (API key) and B (the session from A): one request
    // at a time per process, the two processes writing concurrently.
    const connect = async (a: ReturnType<CloudSim['control']['accounts']>[number], viaA: boolean) => {
      const [via, other] = viaA ? [webA, webB] : [webB, webA]
      const t0 = Date.now()
      const created = await api<{ account: AccountOut; verification: { ok: boolean } }>(
        via,
        '/api/v1/accounts',
        {
          method: 'POST',
          ...(viaA ? { apiKey: writeKey } : { cookie }),
          body: {
            cloud: a.cloud,
            name: `${a.cloud}-${a.name}`,
            regions: a.regions,
            credentials: a.cloud === 'aws' ? a.credentials.accessKeys : a.credentials,
          },
        },
      )
      timings.push(`${a.cloud} ${((Date.now() - t0) / 1000).toFixed(1)} s`)
      expect(created.status, JSON.stringify(created.body)).toBe(201)
      expect(created.body.verification.ok).toBe(true)
      connected.set(created.body.account.id, { cloud: a.cloud, name: a.name })
      // Read back on the other process at once: no cache between the write and the other reader.
      const seen = await api<AccountOut>(other, `/api/v1/accounts/${created.body.account.id}`, {
        apiKey: writeKey,
      })
      expect(seen.status).toBe(200)
      expect(seen.body).toMatchObject({ name: `${a.cloud}-${a.name}`, status: 'ok' })
    }
    const all = sim.control.accounts()
    const timings: string[] = []
    await Promise.all(
      [true, false].map(async (viaA) => {
        for (const [i, a] of all.entries()) if (i % 2 === (viaA ? 0 : 1)) await connect(a, viaA)
      }),
    )
    console.log(`[scale-out] POST /api/v1/accounts (create + verify): ${timings.join(', ')}`)
    const [onA, onB] = await Promise.all([
      api<{ items: AccountOut[] }>(webA, '/api/v1/accounts', { cookie }),
      api<{ items: AccountOut[] }>(webB, '/api/v1/accounts', { apiKey: writeKey }),
    ])
    expect(onA.body.items.map((x) => x.id).sort()).toEqual([...connected.keys()].sort())
    expect(onB.body.items.map((x) => x.id).sort()).toEqual([...connected.keys()].sort())
  }, 120_000)

  it('both workers work; every resource is stored once and the metric points equal the truth', async () => {
    // Discovery: the simulator's inventory, all of it (both workers poll the same 7 accounts).
    const want = simResources()
    await until(
      async () =>
        (await db.worker.resource.count({ where: { tenantId, terminatedAt: null } })) >= want.length,
      60_000,
      250,
    )
    const m0 = await until(lowestMark, 60_000, 250)

    // Metric periods pass: the clock moves one period at a time; each time every watermark follows.
    // After the first step a new instance appears (discovered once, polled back to its creation).
    const acme = sim.control.accounts().find((a) => a.cloud === 'aws' && a.name === 'acme-prod')!
    let fresh: { id: string } | undefined
    for (let k = 1; k <= STEPS; k++) {
      sim.control.advanceClock(PERIOD)
      if (k === 1) {
        const r = sim.control.createResource({
          account: acme.nativeIds[0]!,
          region: 'us-east-1',
          type: 'ec2.instance',
          name: 'scale-out-new',
        })
        fresh = r
        await until(() => db.worker.resource.findFirst({ where: { tenantId, nativeId: r.id } }), 30_000, 100)
      }
      await until(async () => ((await lowestMark()) ?? 0) >= m0 + k * PERIOD, 60_000, 250)
    }
    const end = (await lowestMark())!

    // Every simulated resource exactly once, each with exactly one resource.created event.
    const rows = await pool.query<{ account_id: string; native_id: string }>(
      `SELECT account_id, native_id FROM resource WHERE tenant_id = $1 AND terminated_at IS NULL`,
      [tenantId],
    )
    const stored = rows.rows.map((r) => r.native_id.toLowerCase()).sort()
    expect(stored).toEqual(
      simResources()
        .map((r) => r.id.toLowerCase())
        .sort(),
    )
    expect(stored).toContain(fresh!.id.toLowerCase())
    expect(new Set(rows.rows.map((r) => `${r.account_id}|${r.native_id.toLowerCase()}`)).size).toBe(
      rows.rows.length,
    )
    const events = await pool.query<{ resource_id: string; n: number; baseline: number }>(
      `SELECT resource_id, count(*)::int AS n, count(*) FILTER (WHERE data->>'baseline' = 'true')::int AS baseline
       FROM resource_event WHERE tenant_id = $1 AND type = 'resource.created' GROUP BY 1`,
      [tenantId],
    )
    expect(events.rows).toHaveLength(rows.rows.length)
    expect(events.rows.filter((e) => e.n !== 1)).toEqual([])
    // The new instance is news (not part of its account's baseline); everything else was a baseline.
    const freshRow = await db.worker.resource.findFirstOrThrow({ where: { tenantId, nativeId: fresh!.id } })
    expect(events.rows.filter((e) => e.baseline === 0).map((e) => e.resource_id)).toEqual([freshRow.id])

    // Points: unique per (series, ts) …
    const dup = await pool.query<{ n: number; d: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT (series_id, ts))::int AS d FROM ts.metric_points WHERE tenant_id = $1`,
      [tenantId],
    )
    expect(dup.rows[0]!.n).toBeGreaterThan(0)
    expect(dup.rows[0]!.n).toBe(dup.rows[0]!.d)
    // … and equal to the simulator's truth over [m0, end): AWS with the harness's own check, then every
    // resource of every cloud (the stored native id mapped to the simulator's, Azure ids differ in case;
    // Azure's aggregation "Total" is the simulator's Sum).
    const simStat = (s: string) => (s === 'Total' ? 'Sum' : s)
    const aws = await verifyAgainstTruth(pool, sim, providers, tenantId, m0, end)
    expect(aws.examples).toEqual([])
    expect([aws.missing, aws.duplicates, aws.wrong]).toEqual([0, 0, 0])
    const simId = new Map(simResources().map((r) => [r.id.toLowerCase(), r]))
    const points = (await storedPoints(pool, tenantId, new Date(m0), new Date(end))).map((p) => ({
      ...p,
      nativeId: simId.get(p.nativeId.toLowerCase())?.id ?? p.nativeId,
      stat: simStat(p.stat),
    }))
    const byResource = new Map<string, typeof points>()
    for (const p of points) byResource.set(p.nativeId, [...(byResource.get(p.nativeId) ?? []), p])
    const totals = { aws: 0, azure: 0, gcp: 0, ncp: 0 } as Record<string, number>
    const bad: string[] = []
    let noTruth = 0
    for (const r of simResources()) {
      const defs = (t: string) =>
        (providers[r.cloud].metrics?.catalog(t) ?? []).map((d) => ({ ...d, stat: simStat(d.stat) }))
      if (defs(r.type).length === 0) continue
      const c = compareWithTruth(
        sim,
        byResource.get(r.id) ?? [],
        [{ nativeId: r.id, type: r.type }],
        defs,
        new Date(m0),
        new Date(end),
      )
      totals[r.cloud]! += c.expected
      if (c.expected === 0) noTruth++
      if (c.missing || c.duplicates || c.wrong) bad.push(...c.examples)
    }
    console.log(
      `[scale-out] ${(end - m0) / PERIOD} periods; expected points per cloud ${JSON.stringify(totals)}; stored in the window ${points.length}; AWS check: ${aws.expected} expected, ${aws.missing} missing, ${aws.duplicates} duplicates, ${aws.wrong} wrong`,
    )
    expect(bad.slice(0, 10)).toEqual([])
    expect(noTruth).toBe(0)
    expect(totals.aws! + totals.azure! + totals.gcp! + totals.ncp!).toBe(points.length)
    for (const c of ['aws', 'azure', 'gcp', 'ncp']) expect(totals[c]).toBeGreaterThan(0)

    // Both worker processes did part of it: who completed which job (BullMQ records the worker's name).
    const names = new Map(workers.map((w, i) => [`${hostname()}:${w.pid}`, `worker${i + 1}`]))
    const split: Record<string, Record<string, number>> = {}
    const restarted: string[] = []
    for (const q of Object.values(queues)) {
      const jobs: Job[] = await q.getJobs(['completed'], 0, -1)
      for (const j of jobs) {
        const who = names.get(j.processedBy ?? '') ?? `other:${j.processedBy}`
        split[j.name] ??= {}
        split[j.name]![who] = (split[j.name]![who] ?? 0) + 1
        if (j.attemptsStarted > 1) restarted.push(`${j.name} ${j.id} ×${j.attemptsStarted}`)
      }
    }
    console.log(
      `[scale-out] completed jobs per worker: ${JSON.stringify(split)}; started more than once: ${restarted.length}`,
    )
    for (const job of ['discovery.run', 'metrics.tick', 'metrics.fetch'])
      expect(Object.keys(split[job] ?? {}).sort(), job).toEqual(['worker1', 'worker2'])
  }, 120_000)

  it('both web processes serve the same data, keys and sessions', async () => {
    // The whole inventory, page by page, from each process (lastSeenAt moves with every discovery).
    const inventory = async (web: WebProcess) => {
      const items: Array<Record<string, unknown>> = []
      let cursor: string | null = null
      do {
        const page: Reply<{
          items: Array<Record<string, unknown>>
          nextCursor: string | null
          total: number
        }> = await api(web, `/api/v1/resources?limit=40&sort=name${cursor ? `&cursor=${cursor}` : ''}`, {
          apiKey: writeKey,
        })
        expect(page.status).toBe(200)
        items.push(...page.body.items.map(({ lastSeenAt: _l, ...rest }) => rest))
        cursor = page.body.nextCursor
      } while (cursor)
      return items
    }
    const [invA, invB] = [await inventory(webA), await inventory(webB)]
    expect(invA).toHaveLength(simResources().length)
    expect(invB).toEqual(invA)

    // One resource's metric series, same window, from each.
    const vm = invA.find((r) => r.type === 'azure.vm')!
    const q = `metric=${encodeURIComponent('Percentage CPU')}&stat=Average&from=${new Date(simNow() - 3600_000).toISOString()}&to=${new Date(simNow()).toISOString()}`
    const [serA, serB] = await Promise.all([
      api<{ points: unknown[] }>(webA, `/api/v1/resources/${String(vm.id)}/metrics?${q}`, { cookie }),
      api<{ points: unknown[] }>(webB, `/api/v1/resources/${String(vm.id)}/metrics?${q}`, {
        apiKey: writeKey,
      }),
    ])
    expect(serA.status).toBe(200)
    expect(serA.body.points.length).toBeGreaterThan(0)
    expect(serB.body).toEqual(serA.body)

    // An API key created on B (with the session from A) works on A; revoked on A, B refuses it at once.
    const key = await api<{ id: string; key: string }>(webB, '/api/internal/api-keys', {
      method: 'POST',
      cookie,
      body: { name: 'scale-out read', scope: 'read' },
    })
    expect(key.status).toBe(201)
    expect((await api(webA, '/api/v1/accounts', { apiKey: key.body.key })).status).toBe(200)
    expect(
      (await api(webA, '/api/v1/accounts', { method: 'POST', apiKey: key.body.key, body: {} })).status,
    ).toBe(403)
    expect(
      (await api(webA, `/api/internal/api-keys/${key.body.id}`, { method: 'DELETE', cookie })).status,
    ).toBe(200)
    expect((await api(webB, '/api/v1/accounts', { apiKey: key.body.key })).status).toBe(401)

    // An account paused on B: A shows it paused, and the workers drop its schedules.
    const [target] = [...connected.entries()].find(([, a]) => a.cloud === 'gcp')!
    const paused = await api<AccountOut>(webB, `/api/v1/accounts/${target}`, {
      method: 'PATCH',
      apiKey: writeKey,
      body: { paused: true },
    })
    expect(paused.status).toBe(200)
    const onA = await api<AccountOut>(webA, `/api/v1/accounts/${target}`, { cookie })
    expect(onA.body).toMatchObject({ status: 'paused' })
    expect(onA.body.pausedAt).not.toBeNull()
    await until(async () => {
      const ids = [
        ...(await queues.discovery.getJobSchedulers(0, -1)),
        ...(await queues.metrics.getJobSchedulers(0, -1)),
      ].map((s) => s.key)
      return !ids.some((k) => k.endsWith(target))
    }, 20_000)

    // Signing out on B ends the session on A too.
    const out = await api(webB, '/api/auth/sign-out', { method: 'POST', cookie, body: {} })
    expect(out.status).toBe(200)
    expect((await api(webA, '/api/v1/accounts', { cookie })).status).toBe(401)
  }, 60_000)
})
