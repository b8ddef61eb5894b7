/**
 * Shared by every benchmark: record figures so `npm run bench` can print one table. A bench calls
 * `recordBench(rows)`; when run by bench/run.ts (CMS_BENCH_OUT set) the rows are appended there as
 * JSON lines, otherwise this is a no-op and the bench just prints its own output.
 */
import { appendFileSync } from 'node:fs'
import { processEnv } from '@cms/core'

export interface BenchRow {
  /** e.g. 'cloudsim', 'providers', 'scheduler', 'web' */
  area: string
  metric: string
  value: number
  unit: string
  /** Human-readable target, e.g. '≤ 10 s' or '= 1.00'. */
  target?: string
  pass?: boolean
  note?: string
}

export function recordBench(rows: BenchRow[]): void {
  const out = processEnv().CMS_BENCH_OUT
  if (!out) return
  appendFileSync(out, rows.map((r) => JSON.stringify(r)).join('\n') + '\n')
}
