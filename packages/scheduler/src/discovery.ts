/**
 * Discovery: list the account's inventory in every region and diff it with ours, in one transaction.
 *   new      → inserted (the very next metrics job reads resources from the database, so it is polled)
 *   changed  → updated
 *   gone     → state 'terminated' + terminated_at (kept for history) — only in regions whose listing
 *              succeeded: a failed region must never make its resources look deleted.
 * Each change emits a resource.created / updated / terminated event (resource_event table); the events of
 * an account's first successful inventory carry `baseline: true` (alert rules ignore them).
 */
import { randomUUID } from 'node:crypto'
import { AppError, type CloudKind } from '@cms/core'
import { loadAccountCredentials, type Prisma } from '@cms/db'
import type { NormalizedResource, Provider, ProviderContext } from '@cms/providers'
import type { Runtime } from './runtime'
import { recordCalls } from './ledger'

export interface DiscoveryOutcome {
  regions: string[]
  failedRegions: string[]
  created: number
  updated: number
  terminated: number
  seen: number
}

/** Canonical JSON (sorted keys) so jsonb's key reordering never looks like a change. */
export function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x) && !(x instanceof Date)
      ? Object.fromEntries(
          Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : x,
  )
}

const jsonOf = (v: unknown) => JSON.parse(JSON.stringify(v ?? {})) as Prisma.InputJsonValue

interface Existing {
  id: string
  nativeId: string
  region: string
  type: string
  name: string | null
  state: string
  nativeState: string | null
  tags: unknown
  attributes: unknown
  terminatedAt: Date | null
}

function fingerprint(r: {
  region: string
  type: string
  name: string | null
  state: string
  nativeState: string | null
  tags: unknown
  attributes: unknown
}) {
  return canonical([r.region, r.type, r.name, r.state, r.nativeState, r.tags ?? {}, r.attributes ?? {}])
}

export function providerContext(rt: Runtime, signal: AbortSignal): ProviderContext {
  return {
    endpoints: rt.endpoints,
    budget: rt.budget,
    signal,
    now: rt.now,
    log: rt.log,
    ...(rt.awsPoller ? { awsPoller: rt.awsPoller } : {}),
  }
}

export async function runDiscovery(
  rt: Runtime,
  p: { tenantId: string; accountId: string },
  signal: AbortSignal,
): Promise<DiscoveryOutcome | null> {
  const account = await rt.prisma.cloudAccount.findFirst({
    where: { id: p.accountId, tenantId: p.tenantId },
    select: { cloud: true, regions: true, pausedAt: true, status: true },
  })
  if (!account || account.pausedAt || account.status === 'paused') return null
  const provider = rt.providers[account.cloud] as Provider<CloudKind>
  if (!provider.inventory) return null
  const creds = await loadAccountCredentials(rt.prisma, rt.vault, p.tenantId, p.accountId)
  const ctx = providerContext(rt, signal)
  const now = rt.now()
  const calls = []
  let regions = account.regions
  try {
    if (regions.length === 0) {
      const r = await provider.inventory.listRegions(creds.credentials as never, ctx)
      calls.push(...r.calls)
      regions = r.regions
    }
    const inv = await provider.inventory.discover(creds.credentials as never, { regions }, ctx)
    calls.push(...inv.calls)
    const failed = new Set(inv.errors.map((e) => e.region))
    // Every region failing on credentials/permissions is an account failure, not an empty account.
    if (regions.length > 0 && inv.errors.length > 0 && regions.every((r) => failed.has(r))) {
      const first =
        inv.errors.find((e) => e.code === 'credentials_invalid' || e.code === 'access_denied') ??
        inv.errors[0]!
      throw new AppError(first.code, first.message, { region: first.region })
    }
    const out = await applyInventory(rt, p, account.cloud, regions, failed, inv.resources, now)
    for (const e of inv.errors)
      rt.log.warn(
        { tenantId: p.tenantId, accountId: p.accountId, region: e.region, code: e.code },
        `region listing failed: ${e.message}`,
      )
    return out
  } finally {
    countCalls(rt, account.cloud, calls)
    await recordCalls(rt.pool, p.tenantId, p.accountId, calls, now).catch((e: unknown) =>
      rt.log.warn({ err: e }, 'ledger write failed'),
    )
  }
}

export function countCalls(
  rt: Runtime,
  cloud: string,
  calls: Array<{ api: string; operation: string; calls: number }>,
) {
  for (const c of calls) rt.telemetry.apiCalls.inc({ cloud, api: c.api, operation: c.operation }, c.calls)
}

export async function applyInventory(
  rt: Runtime,
  p: { tenantId: string; accountId: string },
  cloud: CloudKind,
  regions: string[],
  failedRegions: Set<string>,
  found: NormalizedResource[],
  now: Date,
): Promise<DiscoveryOutcome> {
  const okRegions = regions.filter((r) => !failedRegions.has(r))
  return rt.prisma.$transaction(
    async (tx) => {
      // Lock the account row: two discoveries of one account (a retry racing a scheduled run) serialize.
      const [lock] = await tx.$queryRaw<
        Array<{ last_success_at: Date | null }>
      >`SELECT last_success_at FROM cloud_account WHERE id = ${p.accountId}::uuid FOR UPDATE`
      // An account's first complete inventory is a baseline, not news: its events are kept for history
      // but flagged, so "resource.created" alerts do not fire for everything that already existed.
      const baseline = lock !== undefined && lock.last_success_at === null
      const existing: Existing[] = await tx.resource.findMany({
        where: { tenantId: p.tenantId, accountId: p.accountId },
        select: {
          id: true,
          nativeId: true,
          region: true,
          type: true,
          name: true,
          state: true,
          nativeState: true,
          tags: true,
          attributes: true,
          terminatedAt: true,
        },
      })
      const byNative = new Map(existing.map((e) => [e.nativeId, e]))
      const seenNative = new Set<string>()
      const creates: Prisma.ResourceCreateManyInput[] = []
      const events: Prisma.ResourceEventCreateManyInput[] = []
      let updated = 0
      for (const r of found) {
        if (seenNative.has(r.nativeId)) continue
        seenNative.add(r.nativeId)
        const gone = r.state === 'terminated'
        const prev = byNative.get(r.nativeId)
        if (!prev) {
          if (gone) continue
          const id = randomUUID()
          creates.push({
            id,
            tenantId: p.tenantId,
            accountId: p.accountId,
            cloud,
            region: r.region,
            type: r.type,
            nativeId: r.nativeId,
            name: r.name,
            state: r.state,
            nativeState: r.nativeState,
            tags: jsonOf(r.tags),
            attributes: jsonOf(r.attributes),
            createdAtCloud: r.createdAt,
            firstSeenAt: now,
            lastSeenAt: now,
          })
          events.push({
            tenantId: p.tenantId,
            accountId: p.accountId,
            resourceId: id,
            type: 'resource.created',
            data: jsonOf({
              nativeId: r.nativeId,
              type: r.type,
              region: r.region,
              name: r.name,
              ...(baseline ? { baseline: true } : {}),
            }),
          })
          continue
        }
        const next = {
          region: r.region,
          type: r.type,
          name: r.name,
          state: r.state,
          nativeState: r.nativeState,
          tags: r.tags,
          attributes: r.attributes,
        }
        const revived = prev.terminatedAt !== null && !gone
        const changed = fingerprint(next) !== fingerprint(prev) || revived
        if (!changed) continue
        if (gone && prev.terminatedAt) continue
        await tx.resource.update({
          where: { id: prev.id },
          data: {
            region: r.region,
            type: r.type,
            name: r.name,
            state: r.state,
            nativeState: r.nativeState,
            tags: jsonOf(r.tags),
            attributes: jsonOf(r.attributes),
            lastSeenAt: now,
            terminatedAt: gone ? now : null,
          },
        })
        updated++
        events.push({
          tenantId: p.tenantId,
          accountId: p.accountId,
          resourceId: prev.id,
          type: gone ? 'resource.terminated' : revived ? 'resource.created' : 'resource.updated',
          data: jsonOf({
            nativeId: r.nativeId,
            before: { state: prev.state, name: prev.name },
            after: { state: r.state, name: r.name },
          }),
        })
      }
      if (creates.length > 0) await tx.resource.createMany({ data: creates })
      // Gone: live resources in a successfully listed region that the cloud no longer returns.
      const ok = new Set(okRegions)
      const vanished = existing.filter(
        (e) => e.terminatedAt === null && ok.has(e.region) && !seenNative.has(e.nativeId),
      )
      if (vanished.length > 0) {
        await tx.resource.updateMany({
          where: { tenantId: p.tenantId, id: { in: vanished.map((v) => v.id) } },
          data: { state: 'terminated', terminatedAt: now },
        })
        for (const v of vanished) {
          events.push({
            tenantId: p.tenantId,
            accountId: p.accountId,
            resourceId: v.id,
            type: 'resource.terminated',
            data: jsonOf({ nativeId: v.nativeId, before: { state: v.state } }),
          })
        }
      }
      if (seenNative.size > 0) {
        await tx.resource.updateMany({
          where: {
            tenantId: p.tenantId,
            accountId: p.accountId,
            nativeId: { in: [...seenNative] },
            terminatedAt: null,
          },
          data: { lastSeenAt: now },
        })
      }
      if (events.length > 0) await tx.resourceEvent.createMany({ data: events })
      return {
        regions,
        failedRegions: [...failedRegions],
        created: creates.length,
        updated,
        terminated: events.filter((e) => e.type === 'resource.terminated').length,
        seen: seenNative.size,
      }
    },
    { timeout: 120_000, maxWait: 30_000 },
  )
}
