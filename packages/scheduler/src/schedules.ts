/**
 * The database is the source of truth for schedules. `reconcile` reads accounts (status, pause, plan,
 * marketplace subscription and settings) and makes BullMQ's job schedulers match: creates missing ones,
 * updates changed intervals, removes those of deleted/paused accounts and of tenants whose subscription
 * is suspended or cancelled (their data is kept). Idempotent, so it runs on start, on
 * notifyAccountChanged / notifyTenantChanged, after a Redis reconnect, and periodically (a flushed
 * Redis heals itself; a subscription or plan changed by the marketplace code is picked up there).
 */
import type { Queue } from 'bullmq'
import type { PrismaClient } from '@cms/db'
import { subscriptionsPausePolling } from '@cms/marketplace'
import { inCredentialBackoff } from './account-status'
import { CATALOG, schedulerIds, type ActiveQueue } from './catalog'
import { parsePlanLimits, resolveSchedule } from './plans'

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
  tenant: { settings: unknown; plan: { limits: unknown }; subscriptions: Array<{ status: string }> }
}

export interface GlobalIntervals {
  rollupMs: number
  retentionMs: number
  /** Outbox recovery for webhook deliveries. */
  webhookSweepMs: number
  /** Account health rules (polling lag). */
  alertsSweepMs: number
  meteringMs: number
  purgeMs: number
}
export const DEFAULT_GLOBAL_INTERVALS: GlobalIntervals = {
  rollupMs: 30_000,
  retentionMs: 3600_000,
  webhookSweepMs: 60_000,
  alertsSweepMs: 5 * 60_000,
  meteringMs: 3600_000,
  purgeMs: 24 * 3600_000,
}

export function desiredForAccount(a: AccountRow): DesiredSchedule[] {
  if (a.pausedAt || a.status === 'paused') return []
  // Suspended or cancelled marketplace subscription: stop polling, keep the data.
  if (subscriptionsPausePolling(a.tenant.subscriptions.map((x) => x.status))) return []
  const s = resolveSchedule(parsePlanLimits(a.tenant.plan.limits), a.tenant.settings, a.settings)
  const data = { tenantId: a.tenantId, accountId: a.id }
  // Repeated credential failures: discovery only, at the backoff interval (hourly), instead of hammering
  // the cloud; metrics and billing resume when an attempt succeeds.
  if (inCredentialBackoff(a, s))
    return [
      {
        id: schedulerIds.discovery(a.id),
        queue: 'discovery',
        name: 'discovery.run',
        every: s.credentialBackoffMs,
        data,
      },
    ]
  return [
    {
      id: schedulerIds.discovery(a.id),
      queue: 'discovery',
      name: 'discovery.run',
      every: s.discoveryIntervalMs,
      data,
    },
    {
      id: schedulerIds.metrics(a.id),
      queue: 'metrics',
      name: 'metrics.tick',
      every: s.metricsIntervalMs,
      data,
    },
    {
      id: schedulerIds.billing(a.id),
      queue: 'billing',
      name: 'billing.run',
      every: s.billingIntervalMs,
      data,
    },
  ]
}

export function desiredGlobal(g: GlobalIntervals): DesiredSchedule[] {
  return [
    { id: 'rollup', queue: 'maintenance', name: 'rollup.run', every: g.rollupMs, data: {} },
    { id: 'retention', queue: 'maintenance', name: 'retention.run', every: g.retentionMs, data: {} },
    { id: 'webhooks-sweep', queue: 'maintenance', name: 'webhooks.sweep', every: g.webhookSweepMs, data: {} },
    { id: 'alerts-sweep', queue: 'maintenance', name: 'alerts.sweep', every: g.alertsSweepMs, data: {} },
    { id: 'metering', queue: 'maintenance', name: 'metering.run', every: g.meteringMs, data: {} },
    {
      id: 'subscriptions-purge',
      queue: 'maintenance',
      name: 'subscriptions.purge',
      every: g.purgeMs,
      data: {},
    },
  ]
}
const GLOBAL_IDS = new Set(desiredGlobal(DEFAULT_GLOBAL_INTERVALS).map((d) => d.id))

const accountSelect = {
  id: true,
  tenantId: true,
  status: true,
  pausedAt: true,
  lastErrorCode: true,
  consecutiveFails: true,
  settings: true,
  tenant: {
    select: {
      settings: true,
      plan: { select: { limits: true } },
      subscriptions: { select: { status: true } },
    },
  },
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
  await queue.upsertJobScheduler(
    d.id,
    { every: d.every },
    { name: d.name, data: d.data, opts: jobOpts(d.queue, d.name) },
  )
}

const ACCOUNT_ID_RE = /^(discovery|metrics|billing)\/([0-9a-f-]{36})$/

export interface ReconcileResult {
  upserted: number
  removed: number
  accounts: number
}

/**
 * Reconcile every account (and the global schedules) — or just one account when `accountId` is set, or
 * one tenant's accounts when `tenantId` is set (plan or subscription changed).
 */
export async function reconcileSchedules(
  prisma: PrismaClient,
  queues: Partial<Record<ActiveQueue, Queue>>,
  opts: { accountId?: string; tenantId?: string; global?: GlobalIntervals } = {},
): Promise<ReconcileResult> {
  const desired = new Map<string, DesiredSchedule>()
  let accounts = 0
  // Scoped runs only touch schedulers of these accounts (null = every account, plus the global ones).
  let scope: Set<string> | null = null
  if (opts.accountId) {
    scope = new Set([opts.accountId])
    const a = await prisma.cloudAccount.findFirst({ where: { id: opts.accountId }, select: accountSelect })
    if (a) {
      accounts = 1
      for (const d of desiredForAccount(a)) desired.set(`${d.queue}|${d.id}`, d)
    }
  } else if (opts.tenantId) {
    const rows = await prisma.cloudAccount.findMany({
      where: { tenantId: opts.tenantId },
      select: accountSelect,
    })
    scope = new Set(rows.map((a) => a.id))
    accounts = rows.length
    for (const a of rows) for (const d of desiredForAccount(a)) desired.set(`${d.queue}|${d.id}`, d)
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
    for (const d of desiredGlobal(opts.global ?? DEFAULT_GLOBAL_INTERVALS))
      desired.set(`${d.queue}|${d.id}`, d)
  }

  let upserted = 0
  let removed = 0
  for (const [qname, queue] of Object.entries(queues) as Array<[ActiveQueue, Queue | undefined]>) {
    if (!queue) continue
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
      const ours = m !== null || (!scope && GLOBAL_IDS.has(s.key))
      if (!ours) continue
      if (scope && !(m?.[2] && scope.has(m[2]))) continue
      if (!desired.has(`${qname}|${s.key}`)) {
        await queue.removeJobScheduler(s.key)
        removed++
      }
    }
  }
  return { upserted, removed, accounts }
}
