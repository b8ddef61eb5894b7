import { describe, expect, it } from 'vitest'
import { ADJUSTMENTS_SERVICE, monthSpans, monthsBetween, toCostRows } from './costs'

describe('NCP monthly costs', () => {
  it('spans months across a year end, at most 3 per request', () => {
    expect(monthsBetween('2026-10-15', '2027-02-01')).toEqual([
      '202610',
      '202611',
      '202612',
      '202701',
      '202702',
    ])
    expect(monthSpans(monthsBetween('2026-10-15', '2027-02-01'))).toEqual([
      { startMonth: '202610', endMonth: '202612' },
      { startMonth: '202701', endMonth: '202702' },
    ])
  })

  it('one KRW row per (month, product, region) on the first day; member-level adjustments complete the bill', () => {
    const rows = toCostRows(
      [
        { memberNo: '9729', month: '202611', amount: 1000, currency: 'KRW' },
        { memberNo: '9729', month: '202612', amount: 300, currency: 'KRW' },
      ],
      [
        { month: '202611', product: 'Server', region: 'KR', amount: 700, currency: 'KRW' },
        { month: '202611', product: 'NAT Gateway', region: 'KR', amount: 350, currency: 'KRW' },
        { month: '202612', product: 'Server', region: 'SGN', amount: 300, currency: 'KRW' },
      ],
      '202612',
    )
    expect(rows).toEqual([
      { day: '2026-11-01', service: 'Server', region: 'KR', amount: 700, currency: 'KRW', estimated: false },
      {
        day: '2026-11-01',
        service: 'NAT Gateway',
        region: 'KR',
        amount: 350,
        currency: 'KRW',
        estimated: false,
      },
      { day: '2026-12-01', service: 'Server', region: 'SGN', amount: 300, currency: 'KRW', estimated: true },
      {
        day: '2026-11-01',
        service: ADJUSTMENTS_SERVICE,
        region: 'global',
        amount: -50,
        currency: 'KRW',
        estimated: false,
      },
    ])
  })
})
