/**
 * Fault-test support: a simulated clock that runs fast (so 5-minute CloudWatch periods pass in
 * seconds), a TCP proxy that can cut PostgreSQL, a private redis-server, a worker in a child process,
 * and the 0-lost / 0-duplicate comparison against the simulator's deterministic values.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer, connect, type Server, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import type pg from 'pg'
import type { CloudSim } from '@cms/cloudsim'
import { repoRoot } from '@cms/db'
import type { ProviderRegistry } from '@cms/providers'
import { compareWithTruth, storedPoints, until } from './harness'

/** Advances the simulator clock `simMsPerSecond` per real second, in 100 ms steps. */
export function runClock(sim: CloudSim, simMsPerSecond: number): { stop(): void } {
  const t = setInterval(() => sim.control.advanceClock(simMsPerSecond / 10), 100)
  return { stop: () => clearInterval(t) }
}

/** A TCP proxy in front of PostgreSQL; `cut()` drops every connection and refuses new ones. */
export async function pgProxy(target = { host: '127.0.0.1', port: 5432 }) {
  const sockets = new Set<Socket>()
  let down = false
  const server: Server = createServer((client) => {
    if (down) return client.destroy()
    const upstream = connect(target.port, target.host)
    sockets.add(client).add(upstream)
    const close = () => {
      client.destroy()
      upstream.destroy()
      sockets.delete(client)
      sockets.delete(upstream)
    }
    client.on('error', close).on('close', close)
    upstream.on('error', close).on('close', close)
    client.pipe(upstream).pipe(client)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as AddressInfo).port
  return {
    port,
    url: (dbUrl: string) => {
      const u = new URL(dbUrl)
      u.port = String(port)
      return u.toString()
    },
    cut() {
      down = true
      for (const s of sockets) s.destroy()
      sockets.clear()
    },
    restore() {
      down = false
    },
    close: () => new Promise<void>((r) => (server.close(() => r()), sockets.forEach((s) => s.destroy()))),
  }
}

/** A private redis-server (never the shared one) that the test may kill and restart. */
export async function privateRedis(port?: number) {
  const p = port ?? 20000 + Math.floor(Math.random() * 20000)
  let proc: ChildProcess | undefined
  const start = async () => {
    proc = spawn(
      'redis-server',
      ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    )
    await until(
      async () => {
        const s = connect(p, '127.0.0.1')
        return new Promise<boolean>((r) =>
          s.once('connect', () => (s.destroy(), r(true))).once('error', () => r(false)),
        )
      },
      10_000,
      50,
    )
  }
  await start()
  return {
    url: `redis://127.0.0.1:${p}`,
    kill() {
      proc?.kill('SIGKILL')
    },
    start,
    stop() {
      proc?.kill('SIGKILL')
    },
  }
}

/** Spawns src/testing/worker-child.ts; resolves when the worker is running. */
/** `script`: a prebuilt JS bundle of worker-child.ts to run on plain node (the bench compares it with tsx). */
export async function spawnWorker(
  options: Record<string, unknown>,
  nodeArgs: string[] = [],
  script?: string,
  env: Record<string, string> = {},
): Promise<ChildProcess> {
  const root = repoRoot()
  // node itself with tsx as a loader (not the tsx CLI, which forks a grandchild a SIGKILL would miss).
  const entry = script
    ? [script]
    : ['--import', 'tsx', join(root, 'packages/scheduler/src/testing/worker-child.ts')]
  const child = spawn(process.execPath, [...nodeArgs, ...entry], {
    cwd: root,
    env: { ...process.env, ...env, CMS_TEST_WORKER: JSON.stringify(options) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve())
    child.once('exit', (code) => reject(new Error(`worker exited early (${code})`)))
  })
  return child
}

/** The lowest watermark over the regions that have resources with metrics (null until each has one). */
export async function minMark(
  pool: pg.Pool,
  tenantId: string,
  metricTypes: string[],
): Promise<number | null> {
  const r = await pool.query<{ n: number; want: number; m: Date | null }>(
    `SELECT (SELECT count(*)::int FROM metric_watermark WHERE tenant_id = $1) AS n,
            (SELECT count(DISTINCT region)::int FROM resource WHERE tenant_id = $1 AND terminated_at IS NULL AND type = ANY($2)) AS want,
            (SELECT min(high_water) FROM metric_watermark WHERE tenant_id = $1) AS m`,
    [tenantId, metricTypes],
  )
  const row = r.rows[0]
  return row && row.want > 0 && row.n >= row.want && row.m ? row.m.getTime() : null
}

/** 0 lost, 0 duplicate, 0 wrong: stored points vs the simulator's truth for every polled resource. */
export async function verifyAgainstTruth(
  pool: pg.Pool,
  sim: CloudSim,
  providers: ProviderRegistry,
  tenantId: string,
  from: number,
  to: number,
) {
  const res = await pool.query<{ native_id: string; type: string }>(
    `SELECT native_id, type FROM resource WHERE tenant_id = $1 AND terminated_at IS NULL`,
    [tenantId],
  )
  const resources = res.rows
    .map((r) => ({ nativeId: r.native_id, type: r.type }))
    .filter((r) => (providers.aws.metrics?.catalog(r.type).length ?? 0) > 0)
  const stored = await storedPoints(pool, tenantId, new Date(from), new Date(to))
  const cmp = compareWithTruth(
    sim,
    stored,
    resources,
    (t) => providers.aws.metrics?.catalog(t) ?? [],
    new Date(from),
    new Date(to),
  )
  const dup = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT series_id, ts FROM ts.metric_points WHERE tenant_id = $1 GROUP BY 1, 2 HAVING count(*) > 1) d`,
    [tenantId],
  )
  return {
    ...cmp,
    duplicates: cmp.duplicates + (dup.rows[0]?.n ?? 0),
    resources: resources.length,
    stored: stored.length,
  }
}
