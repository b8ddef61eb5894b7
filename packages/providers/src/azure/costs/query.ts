/**
 * Cost Management query: daily actual cost by service and location for one subscription. The SDK does
 * not follow `nextLink`; further pages are POSTed to it with the same body through the client's pipeline.
 */
import type { CostManagementClient, QueryDefinition } from '@azure/arm-costmanagement'
import { createPipelineRequest } from '@azure/core-rest-pipeline'
import type { CostRow } from '../../contract'
import type { Run } from '../../shared/call'
import { badResponse } from '../../shared/call'
import { normalizeLocation } from '../paging'

export type CostQueryApi = Pick<CostManagementClient, 'query' | 'sendRequest'>

interface Table {
  columns?: Array<{ name?: string }>
  rows?: unknown[][]
  nextLink?: string | null
}

export async function fetchAzureDailyCosts(
  api: CostQueryApi,
  subscriptionId: string,
  range: { from: string; to: string },
  run: Run,
): Promise<CostRow[]> {
  const scope = `subscriptions/${subscriptionId}`
  const body: QueryDefinition = {
    type: 'ActualCost',
    timeframe: 'Custom',
    timePeriod: { from: new Date(`${range.from}T00:00:00Z`), to: new Date(`${range.to}T23:59:59Z`) },
    dataset: {
      granularity: 'Daily',
      aggregation: { totalCost: { name: 'Cost', function: 'Sum' } },
      grouping: [
        { type: 'Dimension', name: 'ServiceName' },
        { type: 'Dimension', name: 'ResourceLocation' },
      ],
    },
  }
  const rows: CostRow[] = []
  let next: string | undefined
  let page = 0
  do {
    const link = next
    const table: Table = await run({ api: 'azure.costs', operation: 'query.usage', units: 1 }, async () => {
      if (!link) return (await api.query.usage(scope, body)) as Table
      const res = await api.sendRequest(
        createPipelineRequest({ url: link, method: 'POST', body: JSON.stringify(body), headers: undefined }),
      )
      if (res.status >= 400)
        throw Object.assign(new Error(`HTTP ${res.status}`), {
          statusCode: res.status,
          code: res.status === 429 ? 'TooManyRequests' : '',
        })
      const parsed = JSON.parse(res.bodyAsText ?? '') as { properties?: Table }
      return parsed.properties ?? {}
    })
    rows.push(...parseTable(table))
    next = table.nextLink && table.nextLink !== link ? table.nextLink : undefined
  } while (next && ++page < 1000)
  return rows
}

/** Columns are named; rows are positional. UsageDate is a number like 20260101. */
export function parseTable(t: Table): CostRow[] {
  if (!Array.isArray(t.columns) || !Array.isArray(t.rows))
    throw badResponse('Cost Management returned no columns/rows')
  const col = (name: string) =>
    t.columns?.findIndex((c) => c.name?.toLowerCase() === name.toLowerCase()) ?? -1
  const iCost = col('Cost') >= 0 ? col('Cost') : col('PreTaxCost')
  const iDate = col('UsageDate')
  const iService = col('ServiceName')
  const iLocation = col('ResourceLocation')
  const iCurrency = col('Currency')
  if (iCost < 0 || iDate < 0) throw badResponse('Cost Management rows lack Cost or UsageDate')
  return t.rows.map((r) => {
    const amount = Number(r[iCost])
    const date = String(r[iDate] ?? '')
    if (!Number.isFinite(amount) || !/^\d{8}$/.test(date))
      throw badResponse('Cost Management returned a malformed row')
    return {
      day: `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}`,
      service: iService >= 0 ? String(r[iService] ?? 'unknown') : 'unknown',
      region: iLocation >= 0 ? normalizeLocation(String(r[iLocation] ?? '')) || 'global' : 'global',
      amount,
      currency: iCurrency >= 0 ? String(r[iCurrency] ?? 'USD') : 'USD',
      // Azure does not flag estimates; the current and previous day are still moving.
      estimated: false,
    }
  })
}
