import { describe, expect, it } from 'vitest'
import { computeWindow, latestWindowStart } from './windows'

const P = 60_000
const base = { periodMs: P, rereadPeriods: 3, maxBackfillMs: 3 * 3600_000, initialLookbackMs: 15 * P }

describe('metric windows', () => {
  it('starts from the mark minus the re-read periods and ends after windowStart', () => {
    expect(computeWindow({ ...base, windowStart: 100 * P, mark: 100 * P })).toEqual({
      from: 97 * P,
      to: 101 * P,
    })
  })
  it('uses the initial lookback without a mark', () => {
    expect(computeWindow({ ...base, windowStart: 100 * P, mark: null })).toEqual({
      from: 86 * P,
      to: 101 * P,
    })
  })
  it('backfills a gap after an outage, capped at 3 h', () => {
    expect(computeWindow({ ...base, windowStart: 1000 * P, mark: 900 * P })).toEqual({
      from: 897 * P,
      to: 1001 * P,
    })
    expect(computeWindow({ ...base, windowStart: 1000 * P, mark: 10 * P })).toEqual({
      from: 821 * P,
      to: 1001 * P,
    })
  })
  it('skips a window already covered by a later job, unless a new resource needs its history', () => {
    expect(computeWindow({ ...base, windowStart: 100 * P, mark: 105 * P })).toBeNull()
    expect(
      computeWindow({ ...base, windowStart: 100 * P, mark: 105 * P, earliestNew: 90 * P + 1234 }),
    ).toEqual({ from: 90 * P, to: 101 * P })
  })
  it('latestWindowStart is the newest converged period', () => {
    const now = 100 * P + 30_000
    expect(latestWindowStart(now, P, 60_000)).toBe(98 * P)
  })
})
