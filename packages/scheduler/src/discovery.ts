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
import { loadAccountCredentials } from '@cms/db'
import type { NormalizedResource, Provider, ProviderContext } from '@cms/providers'
import type { Runtime } from './runtime'
import { recordCalls } from './ledger'
import { inTransaction } from './storage/tx'

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

/**
 * The diff, in one transaction on a plain pg connection with set-based statements (json_to_recordset /
 * unnest): a 10,000-resource account is a handful of statements, not 10,000 ORM parameters — Prisma's
 * WASM query compiler would grow its linear memory (never returned) and cache a plan per batch size.
 */
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
  return inTransaction(rt.pool, async (client) => {
    // A stuck transaction must not hold the account lock forever (Prisma's interactive timeout was 120 s).
    await client.query(`SET LOCAL statement_timeout = '120s'`)
    // Lock the account row: two discoveries of one account (a retry racing a scheduled run) serialize.
    const lock = await client.query<{ last_success_at: Date | null }>(
      'SELECT last_success_at FROM cloud_account WHERE id = $1::uuid AND tenant_id = $2::uuid FOR UPDATE',
      [p.accountId, p.tenantId],
    )
    // An account's first complete inventory is a baseline, not news: its events are kept for history
    // but flagged, so "resource.created" alerts do not fire for everything that already existed.
    const baseline = lock.rows[0] !== undefined && lock.rows[0].last_success_at === null
    const existing = (
      await client.query<Existing>(
        `SELECT id::text, native_id AS "nativeId", region, type, name, state, native_state AS "nativeState",
                tags, attributes, terminated_at AS "terminatedAt"
           FROM resource WHERE tenant_id = $1::uuid AND account_id = $2::uuid`,
        [p.tenantId, p.accountId],
      )
    ).rows
    const byNative = new Map(existing.map((e) => [e.nativeId, e]))
    const seenNative = new Set<string>()
    const creates: Array<Record<string, unknown>> = []
    const updates: Array<Record<string, unknown>> = []
    const events: Array<{ resource_id: string; type: string; data: unknown }> = []
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
          region: r.region,
          type: r.type,
          native_id: r.nativeId,
          name: r.name,
          state: r.state,
          native_state: r.nativeState,
          tags: r.tags ?? {},
          attributes: r.attributes ?? {},
          created_at_cloud: r.createdAt ?? null,
        })
        events.push({
          resource_id: id,
          type: 'resource.created',
          data: {
            nativeId: r.nativeId,
            type: r.type,
            region: r.region,
            name: r.name,
            ...(baseline ? { baseline: true } : {}),
          },
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
      updates.push({
        id: prev.id,
        region: r.region,
        type: r.type,
        name: r.name,
        state: r.state,
        native_state: r.nativeState,
        tags: r.tags ?? {},
        attributes: r.attributes ?? {},
        gone,
      })
      events.push({
        resource_id: prev.id,
        type: gone ? 'resource.terminated' : revived ? 'resource.created' : 'resource.updated',
        data: {
          nativeId: r.nativeId,
          before: { state: prev.state, name: prev.name },
          after: { state: r.state, name: r.name },
        },
      })
    }
    if (creates.length > 0)
      await client.query(
        `INSERT INTO resource (id, tenant_id, account_id, cloud, region, type, native_id, name, state, native_state,
                               tags, attributes, created_at_cloud, first_seen_at, last_seen_at, updated_at)
         SELECT x.id, $2::uuid, $3::uuid, $4::"CloudKind", x.region, x.type, x.native_id, x.name, x.state,
                x.native_state, coalesce(x.tags, '{}'), coalesce(x.attributes, '{}'), x.created_at_cloud,
                $5::timestamptz, $5::timestamptz, $5::timestamptz
           FROM json_to_recordset($1::json) AS x(id uuid, region text, type text, native_id text, name text,
                state text, native_state text, tags jsonb, attributes jsonb, created_at_cloud timestamptz)`,
        [JSON.stringify(creates), p.tenantId, p.accountId, cloud, now],
      )
    if (updates.length > 0)
      await client.query(
        `UPDATE resource r SET region = x.region, type = x.type, name = x.name, state = x.state,
                native_state = x.native_state, tags = coalesce(x.tags, '{}'), attributes = coalesce(x.attributes, '{}'),
                last_seen_at = $3::timestamptz, updated_at = $3::timestamptz,
                terminated_at = CASE WHEN x.gone THEN $3::timestamptz ELSE NULL END
           FROM json_to_recordset($1::json) AS x(id uuid, region text, type text, name text, state text,
                native_state text, tags jsonb, attributes jsonb, gone boolean)
          WHERE r.tenant_id = $2::uuid AND r.id = x.id`,
        [JSON.stringify(updates), p.tenantId, now],
      )
    // Gone: live resources in a successfully listed region that the cloud no longer returns.
    const ok = new Set(okRegions)
    const vanished = existing.filter(
      (e) => e.terminatedAt === null && ok.has(e.region) && !seenNative.has(e.nativeId),
    )
    if (vanished.length > 0) {
      await client.query(
        `UPDATE resource SET state = 'terminated', terminated_at = $3::timestamptz, updated_at = $3::timestamptz
          WHERE tenant_id = $1::uuid AND id = ANY($2::uuid[])`,
        [p.tenantId, vanished.map((v) => v.id), now],
      )
      for (const v of vanished)
        events.push({
          resource_id: v.id,
          type: 'resource.terminated',
          data: { nativeId: v.nativeId, before: { state: v.state } },
        })
    }
    if (seenNative.size > 0)
      await client.query(
        `UPDATE resource SET last_seen_at = $4::timestamptz
          WHERE tenant_id = $1::uuid AND account_id = $2::uuid AND terminated_at IS NULL AND native_id = ANY($3::text[])`,
        [p.tenantId, p.accountId, [...seenNative], now],
      )
    if (events.length > 0)
      await client.query(
        `INSERT INTO resource_event (tenant_id, account_id, resource_id, type, data)
         SELECT $2::uuid, $3::uuid, x.resource_id, x.type, coalesce(x.data, '{}')
           FROM json_to_recordset($1::json) AS x(resource_id uuid, type text, data jsonb)`,
        [JSON.stringify(events), p.tenantId, p.accountId],
      )
    return {
      regions,
      failedRegions: [...failedRegions],
      created: creates.length,
      updated: updates.length,
      terminated: events.filter((e) => e.type === 'resource.terminated').length,
      seen: seenNative.size,
    }
  })
}
