/**
 * GCP costs come from the Cloud Billing export to BigQuery (there is no cost API): one query per day
 * range, grouped by day, service and region, limited to the credentials' projects.
 */
import { BigQuery } from '@google-cloud/bigquery'
import type { CostRow } from '../../contract'
import type { Run } from '../../shared/call'
import { badResponse } from '../../shared/call'

export type BigQueryApi = Pick<BigQuery, 'query'>

/** `project.dataset.table`; only letters, digits, `-`, `_` and dots, so it can be spliced into SQL safely. */
export function assertTableName(table: string): string {
  if (!/^[a-z][a-z0-9-]{4,28}[a-z0-9]\.[A-Za-z0-9_]{1,1024}\.[A-Za-z0-9_*-]{1,1024}$/.test(table))
    throw badResponse(`not a BigQuery table name: ${JSON.stringify(table)}`)
  return table
}

export async function fetchGcpDailyCosts(
  api: BigQueryApi,
  table: string,
  projects: string[],
  range: { from: string; to: string },
  run: Run,
): Promise<CostRow[]> {
  // Plain grouped SQL (no UNNEST params) so it runs on any export schema version; projects are filtered here.
  const query = `SELECT DATE(usage_start_time) AS day, service.description AS service, location.region AS region,
  project.id AS project, SUM(cost) AS cost, currency
FROM \`${assertTableName(table)}\`
WHERE DATE(usage_start_time) >= @start AND DATE(usage_start_time) <= @end
GROUP BY day, service, region, project, currency
ORDER BY day`
  const wanted = new Set(projects)
  // On-demand queries bill the bytes scanned, at least 10 MiB per query.
  const unitsOf = (r: { bytes: number }) => Math.max(r.bytes, 10 * 1024 ** 2)
  const { rows } = await run({ api: 'gcp.bigquery', operation: 'jobs.query', unitsOf }, async () => {
    const res: unknown[] = await api.query({
      query,
      params: { start: BigQuery.date(range.from), end: BigQuery.date(range.to) },
    })
    // [rows, nextQuery, queryResponse] on the jobs.query path; the typings only name the first two.
    const [r, , response] = res
    if (!Array.isArray(r)) throw badResponse('BigQuery returned no rows')
    const rows = (r as Array<Record<string, unknown>>)
      .filter((x) => x.project === null || x.project === undefined || wanted.has(String(x.project)))
      .map(parseRow)
    const bytes = Number((response as { totalBytesProcessed?: string } | undefined)?.totalBytesProcessed ?? 0)
    return { rows, bytes: Number.isFinite(bytes) ? bytes : 0 }
  })
  return rows
}

function parseRow(r: Record<string, unknown>): CostRow {
  const day =
    typeof r.day === 'object' && r.day !== null && 'value' in r.day
      ? String((r.day as { value: unknown }).value)
      : String(r.day ?? '')
  const amount = Number(r.cost)
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || !Number.isFinite(amount))
    throw badResponse('BigQuery billing row is malformed')
  return {
    day,
    service: String(r.service ?? 'unknown'),
    region: r.region ? String(r.region) : 'global',
    amount,
    currency: String(r.currency ?? 'USD'),
    estimated: false,
  }
}
