import { describe, expect, it } from 'vitest'
import type { MetricDefinition } from '../../contract'
import { minimumGetMetricDataCalls, planGetMetricData, type CwSeries } from './planner'

const def = (metric: string, periodSeconds = 300, delaySeconds = 600): MetricDefinition => ({
  metric,
  stat: 'Average',
  unit: 'Percent',
  periodSeconds,
  delaySeconds,
})
const series = (n: number, d = def('CPUUtilization')): CwSeries[] =>
  Array.from({ length: n }, (_, i) => ({
    nativeId: `i-${i}`,
    namespace: 'AWS/EC2',
    dimensions: [{ Name: 'InstanceId', Value: `i-${i}` }],
    def: d,
  }))
const now = new Date('2026-01-01T12:07:30Z')
const window = { from: new Date('2026-01-01T11:00:00Z'), to: now }

describe('planGetMetricData', () => {
  it('packs 1,234 series into exactly 3 calls of ≤ 500 queries', () => {
    const plan = planGetMetricData(series(1234), window, now)
    expect(plan.map((b) => b.queries.length)).toEqual([500, 500, 234])
    expect(
      minimumGetMetricDataCalls(1234, plan[0]!.end.getTime() / 1000 - plan[0]!.start.getTime() / 1000),
    ).toBeGreaterThan(0)
  })

  it('aligns the window to the period, holds back the delay and re-reads the last two periods', () => {
    const [b] = planGetMetricData(series(1), window, now)
    // now − 600 s = 11:57:30 → floor to 11:55; from 11:00 − 2 × 5 min = 10:50.
    expect(b!.start.toISOString()).toBe('2026-01-01T10:50:00.000Z')
    expect(b!.end.toISOString()).toBe('2026-01-01T11:55:00.000Z')
  })

  it('groups by (period, delay): different windows cannot share a call', () => {
    const plan = planGetMetricData([...series(10), ...series(10, def('NetworkIn', 60, 120))], window, now)
    expect(plan).toHaveLength(2)
    expect(new Set(plan.map((b) => b.periodSeconds))).toEqual(new Set([300, 60]))
  })

  it('deduplicates identical series and numbers query ids per call', () => {
    const plan = planGetMetricData([...series(3), ...series(3)], window, now)
    expect(plan).toHaveLength(1)
    expect(plan[0]!.queries.map((q) => q.id)).toEqual(['q0', 'q1', 'q2'])
  })

  it('keeps every call under 100,800 datapoints for long backfills', () => {
    const longWindow = { from: new Date('2025-12-01T00:00:00Z'), to: now } // ~31 days of 5-min periods ≈ 8,900
    const plan = planGetMetricData(series(1234), longWindow, now)
    for (const b of plan) {
      const periods = (b.end.getTime() - b.start.getTime()) / 300_000
      expect(b.queries.length * periods).toBeLessThanOrEqual(100_800)
    }
    const periods = (plan[0]!.end.getTime() - plan[0]!.start.getTime()) / 300_000
    expect(plan.length).toBe(minimumGetMetricDataCalls(1234, periods))
  })

  it('plans nothing while the window has not converged', () => {
    expect(
      planGetMetricData(series(5), { from: new Date(now.getTime() - 60_000), to: now }, now, {
        maxQueries: 500,
        maxDatapoints: 100_800,
        rereadPeriods: 0,
      }),
    ).toEqual([])
  })
})
