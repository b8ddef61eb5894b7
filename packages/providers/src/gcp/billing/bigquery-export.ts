/**
 * GCP costs come from the Cloud Billing export to BigQuery (there is no cost API): one query per day
 * range, grouped by day, service and region, limited to the credentials' projects.
 */
import type { BigQuery } from '@google-cloud/bigquery'
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

export async function fetchGcpDailyCosts(api: BigQueryApi, table: string, projects: string[], range: { from: string; to: string }, run: Run): Promise<CostRow[]> {
  const query = `SELECT FORMAT_DATE('%Y-%m-%d', DATE(usage_start_time)) AS day, service.description AS service,
  IFNULL(location.region, 'global') AS region, SUM(cost) AS cost, ANY_VALUE(currency) AS currency
FROM \`${assertTableName(table)}\`
WHERE DATE(usage_start_time) BETWEEN @from AND @to AND project.id IN UNNEST(@projects)
GROUP BY day, service, region
ORDER BY day, service, region`
  return run({ api: 'gcp.bigquery', operation: 'jobs.query' }, async () => {
    const [r] = await api.query({ query, params: { from: range.from, to: range.to, projects }, types: { from: 'DATE', to: 'DATE', projects: ['STRING'] } })
    if (!Array.isArray(r)) throw badResponse('BigQuery returned no rows')
    return (r as Array<Record<string, unknown>>).map(parseRow)
  })
}

function parseRow(r: Record<string, unknown>): CostRow {
  const day = typeof r.day === 'object' && r.day !== null && 'value' in r.day ? String((r.day as { value: unknown }).value) : String(r.day ?? '')
  const amount = Number(r.cost)
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || !Number.isFinite(amount)) throw badResponse('BigQuery billing row is malformed')
  return { day, service: String(r.service ?? 'unknown'), region: String(r.region ?? 'global') || 'global', amount, currency: String(r.currency ?? 'USD'), estimated: false }
}
