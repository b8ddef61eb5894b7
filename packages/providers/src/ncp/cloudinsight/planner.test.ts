import { describe, expect, it } from 'vitest'
import { ncpSeries } from '../provider'
import { NCP_METRIC_CATALOG } from './catalog'
import { minimumQueryDataMultipleCalls, planQueryDataMultiple } from './planner'

const now = new Date('2026-12-02T12:00:00Z')
const window = { from: new Date('2026-12-02T11:00:00Z'), to: now }
const servers = (n: number, region = 'KR') =>
  Array.from({ length: n }, (_, i) => ({ type: 'ncp.server', nativeId: String(10_000_000 + i), region }))

describe('QueryDataMultiple planner', () => {
  it('packs 20 conditions per call whatever the resource type or region: ⌈series / 20⌉', () => {
    const targets = [
      ...servers(30, 'KR'),
      ...servers(11, 'SGN').map((t) => ({ ...t, nativeId: `s${t.nativeId}` })),
      { type: 'ncp.mysql', nativeId: '20000001', region: 'JPN' },
      { type: 'ncp.vpc', nativeId: '1', region: 'KR' }, // no metrics
    ]
    const series = ncpSeries(targets, {})
    expect(series).toHaveLength(41 * 7 + 4)
    const batches = planQueryDataMultiple(series, window, now)
    expect(batches).toHaveLength(Math.ceil(291 / 20))
    expect(batches.length).toBe(minimumQueryDataMultipleCalls(291, 14))
    expect(Math.max(...batches.map((b) => b.conditions.length))).toBe(20)
    expect(batches.reduce((n, b) => n + b.conditions.length, 0)).toBe(291)
    // Mixed products in one call, each condition naming its product key and dimension.
    const mixed = batches.find((b) => new Set(b.conditions.map((c) => c.prodKey)).size > 1)
    expect(mixed?.conditions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          prodKey: '470208511578607616',
          metric: 'mysql_select',
          dimensions: { instanceNo: '20000001' },
        }),
      ]),
    )
    expect(batches[0]?.conditions[0]).toEqual({
      prodKey: '460438474722512896',
      metric: 'avg_cpu_used_rto',
      interval: 'Min5',
      aggregation: 'AVG',
      dimensions: { instanceNo: '10000000' },
    })
  })

  it('aligns the window to Min5, held back by the delay, re-reading two buckets', () => {
    const [b] = planQueryDataMultiple(ncpSeries(servers(1), {}), window, now)
    // end = floor((12:00 − 300 s) / 300 s) = 11:55; start = 11:00 − 2 × 5 min.
    expect(b?.end.toISOString()).toBe('2026-12-02T11:55:00.000Z')
    expect(b?.start.toISOString()).toBe('2026-12-02T10:50:00.000Z')
    const exact = planQueryDataMultiple(ncpSeries(servers(1), {}), { ...window, exact: true }, now)
    expect(exact[0]?.start.toISOString()).toBe('2026-12-02T11:00:00.000Z')
  })

  it('splits by (period, delay), drops periods Cloud Insight cannot serve, de-duplicates', () => {
    const base = NCP_METRIC_CATALOG['ncp.server'][0]!
    const series = ncpSeries(servers(3), {
      metricsByType: {
        'ncp.server': [
          base,
          base,
          { ...base, periodSeconds: 60, delaySeconds: 120 },
          { ...base, periodSeconds: 120 },
        ],
      },
    })
    const batches = planQueryDataMultiple(series, window, now)
    expect(batches.map((b) => [b.periodSeconds, b.conditions.length]).sort()).toEqual([
      [300, 3],
      [60, 3],
    ])
    expect(batches.find((b) => b.periodSeconds === 60)?.conditions[0]?.interval).toBe('Min1')
  })

  it('slices a long backfill so no call asks for more than a week of buckets per condition', () => {
    const long = { from: new Date('2026-11-01T00:00:00Z'), to: now }
    const batches = planQueryDataMultiple(ncpSeries(servers(25), {}), long, now)
    const periods = (now.getTime() - 300_000 - long.from.getTime()) / 300_000 + 2
    // 25 servers × 7 metrics = 175 series → 9 calls per slice; a month of Min5 → 5 slices.
    expect(batches).toHaveLength(Math.ceil(periods / 2016) * Math.ceil(175 / 20))
    for (const b of batches) expect((b.end.getTime() - b.start.getTime()) / 300_000).toBeLessThanOrEqual(2016)
    expect(batches.length).toBe(minimumQueryDataMultipleCalls(175, Math.floor(periods)))
  })
})
