/** Shared set-up for the integration and fault tests: cloudsim + test database + tenant/account. */
import { randomBytes } from 'node:crypto'
import type { CloudSim } from '@cms/cloudsim'
import type { Vault } from '@cms/core'
import { createCloudAccount, forTenant, type PrismaClient } from '@cms/db'
import { createTenant } from '@cms/db/testing'
import type pg from 'pg'
import { Redis } from 'ioredis'
import { createPool } from '@cms/db'
import { ensureTestPlan } from './factories'

/** A small worker-role pool whose idle-client errors (database dropped, proxy cut) are ignored. */
export function testPool(url: string): pg.Pool {
  const p = createPool({ url, role: 'cms_worker', max: 2 })
  p.on('error', () => {})
  return p
}

export const REDIS_URL = 'redis://127.0.0.1:6379'

/** Queue prefixes handed out in this test file; the scheduler's vitest setup drops them after it. */
const handedOut = new Set<string>()

/** A fresh queue prefix (without braces), deleted from Redis after the test file (see vitest-setup.ts). */
export function uniquePrefix(): string {
  const p = `t-${randomBytes(4).toString('hex')}`
  handedOut.add(p)
  return p
}

/** Drops every prefix uniquePrefix() handed out in this process. */
export async function dropHandedOutPrefixes(redisUrl = REDIS_URL): Promise<void> {
  for (const p of handedOut) await dropQueuePrefix(p, redisUrl)
  handedOut.clear()
}

export async function until<T>(
  fn: () => Promise<T | undefined | null | false>,
  ms = 30_000,
  step = 250,
): Promise<T> {
  const end = Date.now() + ms
  let last: unknown
  for (;;) {
    try {
      const v = await fn()
      if (v) return v
    } catch (e) {
      last = e
    }
    if (Date.now() > end) throw new Error(`timed out waiting${last ? `: ${(last as Error).message}` : ''}`)
    await new Promise((r) => setTimeout(r, step))
  }
}

/** A tenant on the fast 'test' plan (or `planId`) with the simulator's AWS account `index` connected (access keys), with `settings`. */
export async function connectSimAwsAccount(
  worker: PrismaClient,
  vault: Vault,
  sim: CloudSim,
  settings: Record<string, unknown>,
  index = 0,
  planId?: string,
) {
  const acct = sim.control.accounts().filter((a) => a.cloud === 'aws')[index]
  if (!acct || acct.cloud !== 'aws') throw new Error('no AWS account in the simulator')
  const tenant = await createTenant(worker)
  await worker.organization.update({
    where: { id: tenant.id },
    data: { settings: settings as object, planId: planId ?? (await ensureTestPlan(worker)) },
  })
  const account = await createCloudAccount(forTenant(worker, tenant.id), vault, tenant.id, {
    cloud: 'aws',
    name: acct.name,
    credentials: acct.credentials.accessKeys,
    regions: acct.regions,
    nativeAccountId: acct.nativeIds[0],
  })
  return { tenant, account, sim: acct }
}

type SimAccount = ReturnType<CloudSim['control']['accounts']>[number]

/** Connects one simulated account of any cloud to `tenantId` (AWS through its access keys). */
export function connectSimAccount(worker: PrismaClient, vault: Vault, tenantId: string, a: SimAccount) {
  return createCloudAccount(forTenant(worker, tenantId), vault, tenantId, {
    cloud: a.cloud,
    name: a.name,
    credentials: a.cloud === 'aws' ? a.credentials.accessKeys : a.credentials,
    regions: a.regions,
  })
}

/** Deletes every key under a queue prefix (queues, schedulers, budgets, locks) from a Redis. */
export async function dropQueuePrefix(prefix: string, redisUrl = REDIS_URL): Promise<void> {
  const redis = new Redis(redisUrl)
  try {
    let cursor = '0'
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `{${prefix}}*`, 'COUNT', 1000)
      cursor = next
      if (keys.length) await redis.del(...keys)
    } while (cursor !== '0')
  } finally {
    await redis.quit()
  }
}

export interface StoredPoint {
  nativeId: string
  metric: string
  stat: string
  ts: number
  value: number
}

export async function storedPoints(
  pool: pg.Pool,
  tenantId: string,
  from: Date,
  to: Date,
): Promise<StoredPoint[]> {
  const r = await pool.query<{ native_id: string; metric: string; stat: string; ts: Date; value: number }>(
    `SELECT r.native_id, s.metric, s.stat, p.ts, p.value FROM ts.metric_points p
     JOIN metric_series s ON s.id = p.series_id JOIN resource r ON r.id = s.resource_id
     WHERE p.tenant_id = $1 AND p.ts >= $2 AND p.ts < $3`,
    [tenantId, from, to],
  )
  return r.rows.map((x) => ({
    nativeId: x.native_id,
    metric: x.metric,
    stat: x.stat,
    ts: x.ts.getTime(),
    value: x.value,
  }))
}

/**
 * Compare stored points with the simulator's truth over [from, to) for the given resources: every
 * (resource, metric, stat, minute) the simulator has must be stored exactly once with its value.
 */
export function compareWithTruth(
  sim: CloudSim,
  stored: StoredPoint[],
  resources: Array<{ nativeId: string; type: string }>,
  defs: (type: string) => Array<{ metric: string; stat: string; periodSeconds: number }>,
  from: Date,
  to: Date,
): { expected: number; missing: number; duplicates: number; wrong: number; examples: string[] } {
  const seen = new Map<string, number>()
  let duplicates = 0
  for (const p of stored) {
    const k = `${p.nativeId}|${p.metric}|${p.stat}|${p.ts}`
    if (seen.has(k)) duplicates++
    seen.set(k, p.value)
  }
  let expected = 0
  let missing = 0
  let wrong = 0
  const examples: string[] = []
  for (const r of resources) {
    for (const d of defs(r.type)) {
      const truth = sim.control.metricTruth({
        resourceId: r.nativeId,
        metric: d.metric,
        stat: d.stat,
        periodSec: d.periodSeconds,
        startSec: Math.floor(from.getTime() / 1000),
        endSec: Math.floor(to.getTime() / 1000),
      })
      for (const b of truth) {
        expected++
        const k = `${r.nativeId}|${d.metric}|${d.stat}|${b.t * 1000}`
        const v = seen.get(k)
        if (v === undefined) {
          missing++
          if (examples.length < 5) examples.push(`missing ${k}`)
        } else if (Math.abs(v - b.value) > 1e-6 * Math.max(1, Math.abs(b.value))) {
          wrong++
          if (examples.length < 5) examples.push(`wrong ${k}: ${v} != ${b.value}`)
        }
      }
    }
  }
  return { expected, missing, duplicates, wrong, examples }
}
