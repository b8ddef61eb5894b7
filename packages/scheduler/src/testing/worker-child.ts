/**
 * A worker in its own process, for the kill -9 fault test and the two-process benchmark. Options come
 * as JSON in CMS_TEST_WORKER (test-only entry point; production uses bin/worker.ts). Its clock follows
 * the simulator's (GET /_sim/clock), so windows line up with the simulated time the test drives.
 */
import { setFlagsFromString, writeHeapSnapshot } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { createLogger, processEnv } from '@cms/core'
import { testVault } from '@cms/db/testing'
import { startWorker } from '../worker'
import { realProviders } from './registry'

interface ChildOptions {
  databaseUrl: string
  redisUrl: string
  queuePrefix: string
  keySpec: string
  endpoints: { aws: string; azure: string; gcp: string; ncp: string; caPem: string }
  controlUrl?: string
  lockDurationMs?: number
  concurrency?: number
  logLevel?: string
  tuning?: Record<string, number>
  /**
   * This process's wall clock runs this many ms ahead (negative: behind) of the machine's: Date.now(),
   * so BullMQ's own timestamps (delays, job schedulers) are skewed, and through it the worker's now().
   */
  clockSkewMs?: number
}

const o = JSON.parse(processEnv().CMS_TEST_WORKER ?? '{}') as ChildOptions
if (o.clockSkewMs) {
  const skew = o.clockSkewMs
  const realNow = Date.now.bind(Date)
  Date.now = () => realNow() + skew
}
let offset = 0
const refresh = async () => {
  if (!o.controlUrl) return
  try {
    const r = (await (await fetch(`${o.controlUrl}/_sim/clock`)).json()) as { offsetMs: number }
    offset = r.offsetMs
  } catch {
    /* keep the last offset */
  }
}
await refresh()
setInterval(() => void refresh(), 100).unref()

const worker = await startWorker({
  databaseUrl: o.databaseUrl,
  redisUrl: o.redisUrl,
  queuePrefix: o.queuePrefix,
  vault: testVault(o.keySpec),
  providers: await realProviders(),
  endpoints: o.endpoints,
  logger: createLogger({ name: `worker-${process.pid}`, level: o.logLevel ?? 'warn' }),
  lockDurationMs: o.lockDurationMs ?? 30_000,
  concurrency: o.concurrency ?? 8,
  reconcileIntervalMs: 5000,
  shutdownGraceMs: 5000,
  dbPoolMax: 4,
  tuning: o.tuning,
  now: () => new Date(Date.now() + offset),
})
process.send?.({ ready: true, pid: process.pid })

// Memory introspection for the bench and probes, over IPC: {mem, gc?} → process.memoryUsage() (after a
// full GC when asked, so live data can be told from garbage); {snapshot: path} → a heap snapshot.
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void
process.on('message', (m: { mem?: boolean; gc?: boolean; snapshot?: string }) => {
  if (m.mem) {
    if (m.gc) gc()
    process.send?.({ mem: process.memoryUsage() })
  } else if (m.snapshot) process.send?.({ snapshot: writeHeapSnapshot(m.snapshot) })
})
const stop = () => void worker.stop().then(() => process.exit(0))
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
