/**
 * Cost Explorer: daily unblended cost by service and region, and the forecast for the rest of the month.
 * Every request (and every page) costs $0.01, so one call per page, no verification reads beyond that.
 */
import type { CostExplorer } from '@aws-sdk/client-cost-explorer'
import type { CostRow } from '../../contract'
import type { Run } from '../../shared/call'
import { badResponse } from '../../shared/call'
import { collectPages } from '../../shared/paging'

export type CostAndUsageApi = Pick<CostExplorer, 'getCostAndUsage'>
export type CostForecastApi = Pick<CostExplorer, 'getCostForecast'>

/** [from, to) in YYYY-MM-DD, `to` exclusive as Cost Explorer wants it. */
export async function fetchAwsDailyCosts(
  api: CostAndUsageApi,
  range: { from: string; to: string },
  run: Run,
): Promise<CostRow[]> {
  return collectPages(run, { api: 'ce', operation: 'GetCostAndUsage', units: 1 }, async (token) => {
    const out = await api.getCostAndUsage({
      TimePeriod: { Start: range.from, End: range.to },
      Granularity: 'DAILY',
      Metrics: ['UnblendedCost'],
      GroupBy: [
        { Type: 'DIMENSION', Key: 'SERVICE' },
        { Type: 'DIMENSION', Key: 'REGION' },
      ],
      ...(token ? { NextPageToken: token } : {}),
    })
    if (!out.ResultsByTime) throw badResponse('GetCostAndUsage returned no results')
    const rows: CostRow[] = []
    for (const day of out.ResultsByTime) {
      const d = day.TimePeriod?.Start
      if (!d || !/^\d{4}-\d{2}-\d{2}$/.test(d))
        throw badResponse('GetCostAndUsage returned a day without a date')
      for (const g of day.Groups ?? []) {
        const cost = g.Metrics?.UnblendedCost
        const amount = Number(cost?.Amount)
        if (!cost || !Number.isFinite(amount))
          throw badResponse('GetCostAndUsage returned a non-numeric amount')
        rows.push({
          day: d,
          service: g.Keys?.[0] ?? 'unknown',
          // Costs not tied to a region (support, some SaaS) come back as "NoRegion" or empty.
          region: g.Keys?.[1] || 'global',
          amount,
          currency: cost.Unit ?? 'USD',
          estimated: day.Estimated ?? false,
        })
      }
    }
    return { items: rows, next: out.NextPageToken }
  })
}

export async function fetchAwsMonthForecast(
  api: CostForecastApi,
  range: { from: string; to: string },
  run: Run,
): Promise<{ from: string; to: string; amount: number; currency: string }> {
  return run({ api: 'ce', operation: 'GetCostForecast', units: 1 }, async () => {
    const out = await api.getCostForecast({
      TimePeriod: { Start: range.from, End: range.to },
      Metric: 'UNBLENDED_COST',
      Granularity: 'MONTHLY',
    })
    const amount = Number(out.Total?.Amount)
    if (!out.Total || !Number.isFinite(amount)) throw badResponse('GetCostForecast returned no total')
    return { from: range.from, to: range.to, amount, currency: out.Total.Unit ?? 'USD' }
  })
}
