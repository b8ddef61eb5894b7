/**
 * Cost of monitoring: every cloud call is counted by API and operation, with its billable units and an
 * estimated charge, and returned with the results so the product can show each tenant what polling costs.
 */
import type { ApiCallCount } from '../contract'

/** USD per billable unit, per `api:operation` (or `api:*`). Check prices before showing them to users. */
export const PRICES_USD: Record<string, { perUnit: number; unit: string }> = {
  // $0.01 per 1,000 metrics requested.
  'cloudwatch:GetMetricData': { perUnit: 0.01 / 1000, unit: 'metrics requested' },
  // $0.01 per request, each page counts.
  'ce:GetCostAndUsage': { perUnit: 0.01, unit: 'requests' },
  'ce:GetCostForecast': { perUnit: 0.01, unit: 'requests' },
  // Azure Monitor metrics queries: $0.01 per 1,000 API calls (after the monthly free grant; we show list price).
  'azure.metrics:getBatch': { perUnit: 0.01 / 1000, unit: 'API calls' },
  // Cloud Monitoring read API: $0.01 per 1,000 read calls (ditto).
  'gcp.monitoring:timeSeries.list': { perUnit: 0.01 / 1000, unit: 'API calls' },
  // BigQuery on-demand: $6.25 per TiB scanned (10 MiB minimum per query).
  'gcp.bigquery:jobs.query': { perUnit: 6.25 / 1024 ** 4, unit: 'bytes processed' },
}

export interface CountOptions {
  /** Billable units of this call (metrics requested, requests, bytes); 0 when the call is free. */
  units?: number
  throttled?: boolean
}

export class CallMeter {
  private readonly rows = new Map<string, ApiCallCount>()

  count(api: string, operation: string, opts: CountOptions = {}): void {
    const key = `${api}:${operation}`
    const row = this.rows.get(key) ?? { api, operation, calls: 0, billableUnits: 0, costUsd: 0, throttled: 0 }
    row.calls += 1
    if (opts.throttled) row.throttled = (row.throttled ?? 0) + 1
    const units = opts.units ?? 0
    row.billableUnits += units
    const price = PRICES_USD[key]
    if (price && units > 0) row.costUsd = round6(row.costUsd + units * price.perUnit)
    this.rows.set(key, row)
  }

  /** A copy, sorted for stable output. */
  snapshot(): ApiCallCount[] {
    return [...this.rows.values()]
      .map((r) => ({ ...r }))
      .sort((a, b) => `${a.api}:${a.operation}`.localeCompare(`${b.api}:${b.operation}`))
  }

  total(): number {
    let n = 0
    for (const r of this.rows.values()) n += r.calls
    return n
  }
}

/** Merge call counts from several results (e.g. one per region) into one list. */
export function mergeCalls(...lists: ApiCallCount[][]): ApiCallCount[] {
  const m = new Map<string, ApiCallCount>()
  for (const list of lists)
    for (const r of list) {
      const key = `${r.api}:${r.operation}`
      const cur = m.get(key)
      if (!cur) m.set(key, { ...r })
      else {
        cur.calls += r.calls
        cur.billableUnits += r.billableUnits
        cur.costUsd = round6(cur.costUsd + r.costUsd)
        if (r.throttled) cur.throttled = (cur.throttled ?? 0) + r.throttled
      }
    }
  return [...m.values()].sort((a, b) => `${a.api}:${a.operation}`.localeCompare(`${b.api}:${b.operation}`))
}

const round6 = (n: number) => Math.round(n * 1e6) / 1e6
