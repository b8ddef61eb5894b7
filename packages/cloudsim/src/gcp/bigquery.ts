/**
 * BigQuery jobs.query over the simulated Cloud Billing export. Only the query shape a cost poller sends
 * is understood (see README "BigQuery billing export"):
 *
 *   SELECT DATE(usage_start_time) AS day, service.description AS service, [location.region AS region,]
 *          [project.id AS project,] SUM(cost) AS cost, currency
 *   FROM `any.dataset.gcp_billing_export_v1_XXXXXX`
 *   WHERE DATE(usage_start_time) >= @start AND DATE(usage_start_time) < @end     -- or literals, BETWEEN, <=
 *   GROUP BY day, service[, region][, project], currency [ORDER BY day]
 */
import { randomUUID } from 'node:crypto'
import { DAY, dailyCosts, dayString, parseDay } from '../world/costs'
import { GcpError, type GcpRequest } from './gcp-types'

interface Column {
  name: string
  kind: 'day' | 'service' | 'serviceId' | 'region' | 'project' | 'currency' | 'cost'
  type: 'DATE' | 'STRING' | 'FLOAT'
}

const SERVICE_IDS: Record<string, string> = {
  'Compute Engine': '6F81-5844-456A',
  'Cloud SQL': '9662-B51E-5089',
}

function invalidQuery(message: string): GcpError {
  return new GcpError(400, 'INVALID_ARGUMENT', message, 'invalidQuery')
}

function splitTopLevel(s: string): string[] {
  const out: string[] = []
  let depth = 0
  let cur = ''
  for (const ch of s) {
    if (ch === '(') depth++
    if (ch === ')') depth--
    if (ch === ',' && depth === 0) {
      out.push(cur)
      cur = ''
    } else cur += ch
  }
  if (cur.trim()) out.push(cur)
  return out.map((x) => x.trim())
}

function column(item: string): Column {
  const m = /^(.*?)(?:\s+AS\s+`?(\w+)`?)?$/is.exec(item)
  const expr = (m?.[1] ?? item).replace(/\s+/g, '').toLowerCase()
  const alias = m?.[2]
  const kind: Column['kind'] | undefined =
    /^(date|extract\(date from)\(?usage_start_time/.test(expr) || /^date\(usage_start_time/.test(expr)
      ? 'day'
      : expr === 'service.description'
        ? 'service'
        : expr === 'service.id'
          ? 'serviceId'
          : expr === 'location.region'
            ? 'region'
            : expr === 'project.id'
              ? 'project'
              : expr === 'currency'
                ? 'currency'
                : expr.startsWith('sum(cost)')
                  ? 'cost'
                  : undefined
  if (!kind)
    throw invalidQuery(
      `cloudsim: unsupported select expression "${item}" (see the accepted billing-export query shape in packages/cloudsim/README.md).`,
    )
  const fallback = {
    day: 'day',
    service: 'service',
    serviceId: 'service_id',
    region: 'region',
    project: 'project',
    currency: 'currency',
    cost: 'cost',
  }[kind]
  return {
    name: alias ?? fallback,
    kind,
    type: kind === 'day' ? 'DATE' : kind === 'cost' ? 'FLOAT' : 'STRING',
  }
}

interface Param {
  name?: string
  parameterType?: { type?: string }
  parameterValue?: { value?: string }
}

function dateBounds(where: string, params: Param[]): { from: string; to: string } {
  const value = (tok: string): string => {
    const p = /^@(\w+)$/.exec(tok)
    if (p) {
      const v = params.find((x) => x.name === p[1])?.parameterValue?.value
      if (!v) throw invalidQuery(`Query parameter '${p[1]}' not found`)
      return v.slice(0, 10)
    }
    const lit = /'(\d{4}-\d{2}-\d{2})/.exec(tok)
    if (!lit?.[1]) throw invalidQuery(`cloudsim: cannot read a date from ${tok}`)
    return lit[1]
  }
  const V = `(@\\w+|(?:TIMESTAMP|DATE)?\\s*\\(?\\s*'[^']+'\\s*\\)?)`
  let from: string | undefined
  let to: string | undefined
  const between = new RegExp(`usage_start_time\\)?\\s+BETWEEN\\s+${V}\\s+AND\\s+${V}`, 'i').exec(where)
  if (between?.[1] && between[2]) {
    from = value(between[1])
    to = dayString(parseDay(value(between[2])) + DAY)
  }
  for (const m of where.matchAll(new RegExp(`usage_start_time\\)?\\s*(>=|>|<=|<)\\s*${V}`, 'gi'))) {
    const op = m[1]
    const v = value(m[2] ?? '')
    if (op === '>=') from = v
    else if (op === '>') from = dayString(parseDay(v) + DAY)
    else if (op === '<') to = v
    else if (op === '<=') to = dayString(parseDay(v) + DAY)
  }
  if (!from || !to)
    throw invalidQuery(
      'cloudsim: the WHERE clause must bound usage_start_time from both sides (>= / < / BETWEEN).',
    )
  return { from, to }
}

interface Stored {
  schema: { fields: { name: string; type: string; mode: string }[] }
  rows: { f: { v: string }[] }[]
}

const results = new WeakMap<object, Map<string, Stored>>()

function store(req: GcpRequest): Map<string, Stored> {
  let m = results.get(req.sim)
  if (!m) results.set(req.sim, (m = new Map()))
  return m
}

function respond(
  req: GcpRequest,
  jobId: string,
  st: Stored,
  maxResults: number | undefined,
  offset: number,
): unknown {
  const size = maxResults ?? st.rows.length
  const rows = st.rows.slice(offset, offset + size)
  return {
    kind: 'bigquery#queryResponse',
    schema: st.schema,
    jobReference: { projectId: req.project, jobId, location: 'US' },
    totalRows: String(st.rows.length),
    rows,
    totalBytesProcessed: String(st.rows.length * 4096),
    jobComplete: true,
    cacheHit: false,
    ...(offset + size < st.rows.length ? { pageToken: String(offset + size) } : {}),
  }
}

export function jobsQuery(req: GcpRequest): unknown {
  req.call.api = 'gcp.bigquery'
  req.call.operation = 'jobs.query'
  let body: { query?: string; useLegacySql?: boolean; queryParameters?: Param[]; maxResults?: number }
  try {
    body = JSON.parse(req.body.toString('utf8')) as typeof body
  } catch {
    throw invalidQuery('Request body is not JSON.')
  }
  const sql = (body.query ?? '').trim()
  if (body.useLegacySql === true) throw invalidQuery('cloudsim supports standard SQL only.')
  const m =
    /^SELECT\s+(.+?)\s+FROM\s+`?([\w.-]+)`?\s*(?:WHERE\s+(.+?))?\s*(?:GROUP\s+BY\s+(.+?))?\s*(?:ORDER\s+BY\s+(.+?))?\s*(?:LIMIT\s+\d+)?\s*;?\s*$/is.exec(
      sql,
    )
  if (!m?.[1] || !m[2])
    throw invalidQuery(
      `Syntax error: cloudsim could not parse the query (see README for the accepted shape): ${sql.slice(0, 120)}`,
    )
  const table = m[2]
  if (!/gcp_billing_export/i.test(table))
    throw new GcpError(404, 'NOT_FOUND', `Not found: Table ${table} was not found in location US`, 'notFound')
  const cols = splitTopLevel(m[1]).map(column)
  const { from, to } = dateBounds(m[3] ?? '', body.queryParameters ?? [])
  const now = req.sim.world.nowSeconds()
  const groups = new Map<string, { key: string[]; cost: number }>()
  for (const project of req.sa.projectIds) {
    for (const row of dailyCosts(req.sim.world.resourcesOf(project), from, to, now)) {
      const key = cols
        .filter((c) => c.kind !== 'cost')
        .map((c) =>
          c.kind === 'day'
            ? row.day
            : c.kind === 'service'
              ? row.service
              : c.kind === 'serviceId'
                ? (SERVICE_IDS[row.service] ?? '0000-0000-0000')
                : c.kind === 'region'
                  ? row.region
                  : c.kind === 'project'
                    ? row.account
                    : 'USD',
        )
      const k = key.join('\u0000')
      const g = groups.get(k)
      if (g) g.cost += row.amount
      else groups.set(k, { key, cost: row.amount })
    }
  }
  const sorted = [...groups.values()].sort((a, b) => (a.key.join('\u0000') < b.key.join('\u0000') ? -1 : 1))
  const rows = sorted.map((g) => {
    let i = 0
    return {
      f: cols.map((c) => ({
        v: c.kind === 'cost' ? String(Math.round(g.cost * 1e6) / 1e6) : (g.key[i++] ?? ''),
      })),
    }
  })
  const st: Stored = {
    schema: { fields: cols.map((c) => ({ name: c.name, type: c.type, mode: 'NULLABLE' })) },
    rows,
  }
  const jobId = `job_${randomUUID().replace(/-/g, '')}`
  store(req).set(jobId, st)
  req.units = 1
  return respond(req, jobId, st, body.maxResults, 0)
}

export function getQueryResults(req: GcpRequest, jobId: string): unknown {
  req.call.api = 'gcp.bigquery'
  req.call.operation = 'jobs.getQueryResults'
  const st = store(req).get(jobId)
  if (!st) throw new GcpError(404, 'NOT_FOUND', `Not found: Job ${req.project}:US.${jobId}`, 'notFound')
  const max = Number(req.query.get('maxResults') ?? '') || undefined
  return respond(req, jobId, st, max, Number(req.query.get('pageToken') ?? '0') || 0)
}
