/**
 * Metric windows. Each (account, region, metric group) keeps a high-water mark: the end of the last
 * window stored. A job for the period starting at `windowStart` fetches [from, windowStart + period):
 *   - from the mark, minus `rereadPeriods` (late data: clouds revise the last periods),
 *   - back to the creation of resources discovered since the mark (a new resource's first minutes),
 *   - never more than `maxBackfillMs` back (3 h: CloudWatch's cheap range, bounded work per job);
 *   - with no mark yet, `initialLookbackMs`.
 * After an outage the mark is old, so the next job backfills the gap by itself.
 */
export interface WindowInput {
  periodMs: number
  windowStart: number
  mark: number | null
  rereadPeriods: number
  maxBackfillMs: number
  initialLookbackMs: number
  /** Earliest creation time of resources new since the mark, if any. */
  earliestNew?: number | null
}

export function computeWindow(i: WindowInput): { from: number; to: number } | null {
  const to = i.windowStart + i.periodMs
  if (i.mark !== null && i.mark >= to && i.earliestNew == null) return null
  let from = i.mark === null ? to - i.initialLookbackMs : Math.min(i.mark, to) - i.rereadPeriods * i.periodMs
  if (i.earliestNew != null) from = Math.min(from, i.earliestNew)
  from = Math.max(from, to - i.maxBackfillMs)
  from = Math.floor(from / i.periodMs) * i.periodMs
  return from < to ? { from, to } : null
}

/** The newest complete, converged period at `now`: its start is the job's `windowStart`. */
export function latestWindowStart(now: number, periodMs: number, delayMs: number): number {
  return Math.floor((now - delayMs) / periodMs) * periodMs - periodMs
}

export const groupKey = (periodSeconds: number) => `p${periodSeconds}`
