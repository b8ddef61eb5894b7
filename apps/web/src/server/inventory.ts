/**
 * Inventory reads: one SQL statement per page (filters, search, tag, sort, keyset cursor) plus a count,
 * so a 1,000+-resource estate pages in a few milliseconds. Terminated resources are hidden unless the
 * state filter asks for them.
 */
import { AppError, type CloudKind } from '@cms/core'
import { isBeyondCutoff, monitoredCutoff, monitoredResourceLimit } from '@cms/marketplace'
import { planDb } from './plans'
import type { ResourceQuery } from './api/schemas'
import { tenantQuery } from './tenant-sql'
import type { TenantContext } from './tenant-guard'

const NEW_WINDOW_MS = 24 * 3600_000

const SORT_SQL: Record<ResourceQuery['sort'], { expr: string; kind: 'text' | 'time' }> = {
  name: { expr: 'coalesce(r.name, r.native_id)', kind: 'text' },
  type: { expr: 'r.type', kind: 'text' },
  region: { expr: 'r.region', kind: 'text' },
  state: { expr: 'r.state', kind: 'text' },
  cloud: { expr: 'r.cloud::text', kind: 'text' },
  firstSeenAt: { expr: 'r.first_seen_at', kind: 'time' },
  lastSeenAt: { expr: 'r.last_seen_at', kind: 'time' },
}

interface Cursor {
  v: string
  id: string
}
const encodeCursor = (c: Cursor) => Buffer.from(JSON.stringify(c)).toString('base64url')
function decodeCursor(s: string): Cursor {
  try {
    const c = JSON.parse(Buffer.from(s, 'base64url').toString()) as Partial<Cursor>
    if (typeof c.v === 'string' && typeof c.id === 'string' && /^[0-9a-f-]{36}$/.test(c.id))
      return { v: c.v, id: c.id }
  } catch {
    /* fall through */
  }
  throw new AppError('validation_failed', 'Invalid cursor', {
    fields: { cursor: 'not a cursor from this API' },
  })
}

export interface ResourceRow {
  id: string
  accountId: string
  accountName: string
  cloud: CloudKind
  region: string
  type: string
  nativeId: string
  name: string | null
  state: string
  tags: Record<string, string>
  firstSeenAt: string
  lastSeenAt: string
  isNew: boolean
  /** False when the resource is beyond the plan's monitoredResources limit (inventoried, not polled). */
  monitored: boolean
}

export async function listResources(
  t: TenantContext,
  q: ResourceQuery,
): Promise<{ items: ResourceRow[]; total: number; nextCursor: string | null }> {
  const params: unknown[] = [t.tenantId]
  const p = (v: unknown) => (params.push(v), `$${params.length}`)
  const where: string[] = ['r.tenant_id = $1']
  if (q.state?.length) where.push(`r.state = ANY(${p(q.state)})`)
  else where.push("r.state <> 'terminated'")
  if (q.cloud?.length) where.push(`r.cloud::text = ANY(${p(q.cloud)})`)
  if (q.accountId?.length) where.push(`r.account_id = ANY(${p(q.accountId)}::uuid[])`)
  if (q.region?.length) where.push(`r.region = ANY(${p(q.region)})`)
  if (q.type?.length) where.push(`r.type = ANY(${p(q.type)})`)
  if (q.q) {
    const like = `%${q.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`
    const ph = p(like)
    where.push(`(r.name ILIKE ${ph} OR r.native_id ILIKE ${ph})`)
  }
  if (q.tag) {
    const i = q.tag.indexOf('=')
    if (i < 0) where.push(`r.tags ? ${p(q.tag)}`)
    else where.push(`r.tags @> ${p(JSON.stringify({ [q.tag.slice(0, i)]: q.tag.slice(i + 1) }))}::jsonb`)
  }
  if (q.new === '1' || q.new === 'true')
    where.push(`r.first_seen_at > ${p(new Date(Date.now() - NEW_WINDOW_MS))}`)
  const countWhere = where.join(' AND ')
  const countParams = [...params]

  const sort = SORT_SQL[q.sort]
  const dir = q.order === 'desc' ? 'DESC' : 'ASC'
  const cmp = q.order === 'desc' ? '<' : '>'
  if (q.cursor) {
    const c = decodeCursor(q.cursor)
    const cast = sort.kind === 'time' ? '::timestamptz' : ''
    where.push(`(${sort.expr}, r.id) ${cmp} (${p(c.v)}${cast}, ${p(c.id)}::uuid)`)
  }
  const useOffset = !q.cursor && q.offset ? q.offset : 0
  const sql = `
    SELECT r.id, r.account_id, a.name AS account_name, r.cloud::text AS cloud, r.region, r.type, r.native_id, r.name, r.state, r.tags,
           r.first_seen_at, r.last_seen_at, ${sort.expr} AS sort_value
    FROM resource r JOIN cloud_account a ON a.id = r.account_id AND a.tenant_id = r.tenant_id
    WHERE ${where.join(' AND ')}
    ORDER BY ${sort.expr} ${dir}, r.id ${dir}
    LIMIT ${q.limit + 1} OFFSET ${useOffset}`
  type Row = {
    id: string
    account_id: string
    account_name: string
    cloud: ResourceRow['cloud']
    region: string
    type: string
    native_id: string
    name: string | null
    state: string
    tags: Record<string, string>
    first_seen_at: Date
    last_seen_at: Date
    sort_value: string | Date
  }
  const limit = await monitoredResourceLimit(planDb(t), t.tenantId)
  const { rows, total, cutoff } = await tenantQuery(t.tenantId, async (run) => {
    const [rows, count, cutoff] = await Promise.all([
      run<Row>(sql, params),
      run<{ n: string }>(`SELECT count(*)::text AS n FROM resource r WHERE ${countWhere}`, countParams),
      monitoredCutoff(run, t.tenantId, limit),
    ])
    return { rows, total: Number(count[0]?.n ?? 0), cutoff }
  })
  const now = Date.now()
  const page = rows.slice(0, q.limit)
  const last = page[page.length - 1]
  const nextCursor =
    rows.length > q.limit && last
      ? encodeCursor({
          v: last.sort_value instanceof Date ? last.sort_value.toISOString() : String(last.sort_value),
          id: last.id,
        })
      : null
  return {
    total,
    nextCursor,
    items: page.map((r) => ({
      id: r.id,
      accountId: r.account_id,
      accountName: r.account_name,
      cloud: r.cloud,
      region: r.region,
      type: r.type,
      nativeId: r.native_id,
      name: r.name,
      state: r.state,
      tags: r.tags ?? {},
      firstSeenAt: r.first_seen_at.toISOString(),
      lastSeenAt: r.last_seen_at.toISOString(),
      isNew: now - r.first_seen_at.getTime() < NEW_WINDOW_MS,
      monitored: !isBeyondCutoff(cutoff, { firstSeenAt: r.first_seen_at, id: r.id, state: r.state }),
    })),
  }
}

/** Distinct values for the inventory's filter menus. */
export async function inventoryFacets(t: TenantContext) {
  return tenantQuery(t.tenantId, async (run) => {
    const [regions, types, accounts] = await Promise.all([
      run<{ v: string }>('SELECT DISTINCT region AS v FROM resource WHERE tenant_id = $1 ORDER BY 1', [
        t.tenantId,
      ]),
      run<{ v: string }>('SELECT DISTINCT type AS v FROM resource WHERE tenant_id = $1 ORDER BY 1', [
        t.tenantId,
      ]),
      run<{ id: string; name: string }>(
        'SELECT id, name FROM cloud_account WHERE tenant_id = $1 ORDER BY name',
        [t.tenantId],
      ),
    ])
    return { regions: regions.map((r) => r.v), types: types.map((r) => r.v), accounts }
  })
}

export async function getResource(t: TenantContext, id: string) {
  const r = await t.db.resource.findUnique({
    where: { id },
    include: {
      series: {
        select: { metric: true, stat: true, unit: true },
        orderBy: [{ metric: 'asc' }, { stat: 'asc' }],
      },
      account: { select: { name: true } },
    },
  })
  if (!r) throw new AppError('not_found', 'Resource not found')
  return {
    id: r.id,
    accountId: r.accountId,
    accountName: r.account.name,
    cloud: r.cloud,
    region: r.region,
    type: r.type,
    nativeId: r.nativeId,
    name: r.name,
    state: r.state,
    nativeState: r.nativeState,
    tags: (r.tags ?? {}) as Record<string, string>,
    attributes: (r.attributes ?? {}) as Record<string, unknown>,
    createdAtCloud: r.createdAtCloud?.toISOString() ?? null,
    firstSeenAt: r.firstSeenAt.toISOString(),
    lastSeenAt: r.lastSeenAt.toISOString(),
    terminatedAt: r.terminatedAt?.toISOString() ?? null,
    isNew: Date.now() - r.firstSeenAt.getTime() < NEW_WINDOW_MS,
    metrics: r.series.map((s) => ({ metric: s.metric, stat: s.stat, unit: s.unit })),
  }
}
export type ResourceDetail = Awaited<ReturnType<typeof getResource>>
