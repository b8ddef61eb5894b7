/**
 * The database is the source of truth for schedules. `reconcile` reads accounts (status, pause, plan
 * and settings) and makes BullMQ's job schedulers match: creates missing ones, updates changed
 * intervals, removes those of deleted/paused accounts. Idempotent, so it runs on start, on
 * notifyAccountChanged, after a Redis reconnect, and periodically (a flushed Redis heals itself).
 */
import type { Queue } from 'bullmq'
import type { PrismaClient } from '@cms/db'
import { inCredentialBackoff } from './account-status'
import { CATALOG, schedulerIds, type ActiveQueue } from './catalog'
import { resolveSchedule } from './plans'

export interface DesiredSchedule {
  id: string
  queue: ActiveQueue
  name: string
  every: number
  data: Record<string, string>
}

export interface AccountRow {
  id: string
  tenantId: string
  status: string
  pausedAt: Date | null
  lastErrorCode: string | null
  consecutiveFails: number
  settings: unknown
  tenant: { planId: string; settings: unknown }
}

export interface GlobalIntervals {
  rollupMs: number
  retentionMs: number
}
export const DEFAULT_GLOBAL_INTERVALS: GlobalIntervals = { rollupMs: 30_000, retentionMs: 3600_000 }

export function desiredForAccount(a: AccountRow): DesiredSchedule[] {
  if (a.pausedAt || a.status === 'paused') return []
  const s = resolveSchedule(a.tenant.planId, a.tenant.settings, a.settings)
  const data = { tenantId: a.tenantId, accountId: a.id }
  // Repeated credential failures: discovery only, at the backoff interval (hourly), instead of hammering
  // the cloud; metrics and billing resume when an attempt succeeds.
  if (inCredentialBackoff(a, s)) return [{ id: schedulerIds.discovery(a.id), queue: 'discovery', name: 'discovery.run', every: s.credentialBackoffMs, data }]
  return [
    { id: schedulerIds.discovery(a.id), queue: 'discovery', name: 'discovery.run', every: s.discoveryIntervalMs, data },
    { id: schedulerIds.metrics(a.id), queue: 'metrics', name: 'metrics.tick', every: s.metricsIntervalMs, data },
    { id: schedulerIds.billing(a.id), queue: 'billing', name: 'billing.run', every: s.billingIntervalMs, data },
  ]
}

export function desiredGlobal(g: GlobalIntervals): DesiredSchedule[] {
  return [
    { id: 'rollup', queue: 'maintenance', name: 'rollup.run', every: g.rollupMs, data: {} },
    { id: 'retention', queue: 'maintenance', name: 'retention.run', every: g.retentionMs, data: {} },
  ]
}

const accountSelect = {
  id: true,
  tenantId: true,
  status: true,
  pausedAt: true,
  lastErrorCode: true,
  consecutiveFails: true,
  settings: true,
  tenant: { select: { planId: true, settings: true } },
} as const

function jobOpts(queue: ActiveQueue, name: string) {
  const spec = (CATALOG[queue] as Record<string, { attempts: number; backoffMs: number }>)[name]!
  return {
    attempts: spec.attempts,
    backoff: { type: 'exponential' as const, delay: spec.backoffMs },
    removeOnComplete: { age: 3600, count: 10_000 },
    removeOnFail: { age: 24 * 3600 },
  }
}

async function upsert(queue: Queue, d: DesiredSchedule) {
  await queue.upsertJobScheduler(d.id, { every: d.every }, { name: d.name, data: d.data, opts: jobOpts(d.queue, d.name) })
}

const ACCOUNT_ID_RE = /^(discovery|metrics|billing)\/([0-9a-f-]{36})$/

export interface ReconcileResult {
  upserted: number
  removed: number
  accounts: number
}

/** Reconcile every account (and the global schedules) — or just one account when `accountId` is set. */
export async function reconcileSchedules(
  prisma: PrismaClient,
  queues: Record<ActiveQueue, Queue>,
  opts: { accountId?: string; global?: GlobalIntervals } = {},
): Promise<ReconcileResult> {
  const desired = new Map<string, DesiredSchedule>()
  let accounts = 0
  if (opts.accountId) {
    const a = await prisma.cloudAccount.findFirst({ where: { id: opts.accountId }, select: accountSelect })
    if (a) {
      accounts = 1
      for (const d of desiredForAccount(a)) desired.set(`${d.queue}|${d.id}`, d)
    }
  } else {
    let cursor: string | undefined
    for (;;) {
      const page = await prisma.cloudAccount.findMany({
        where: cursor ? { id: { gt: cursor } } : { id: { not: '00000000-0000-0000-0000-000000000000' } },
        orderBy: { id: 'asc' },
        take: 1000,
        select: accountSelect,
      })
      if (page.length === 0) break
      accounts += page.length
      for (const a of page) for (const d of desiredForAccount(a)) desired.set(`${d.queue}|${d.id}`, d)
      cursor = page[page.length - 1]!.id
    }
    for (const d of desiredGlobal(opts.global ?? DEFAULT_GLOBAL_INTERVALS)) desired.set(`${d.queue}|${d.id}`, d)
  }

  let upserted = 0
  let removed = 0
  for (const [qname, queue] of Object.entries(queues) as Array<[ActiveQueue, Queue]>) {
    const existing = await queue.getJobSchedulers(0, -1)
    const have = new Map(existing.map((s) => [s.key, s]))
    for (const d of desired.values()) {
      if (d.queue !== qname) continue
      const cur = have.get(d.id)
      if (cur && Number(cur.every) === d.every && cur.name === d.name) continue
      await upsert(queue, d)
      upserted++
    }
    for (const s of existing) {
      const m = ACCOUNT_ID_RE.exec(s.key)
      const ours = m !== null || (!opts.accountId && (s.key === 'rollup' || s.key === 'retention'))
      if (!ours) continue
      if (opts.accountId && m?.[2] !== opts.accountId) continue
      if (!desired.has(`${qname}|${s.key}`)) {
        await queue.removeJobScheduler(s.key)
        removed++
      }
    }
  }
  return { upserted, removed, accounts }
}
