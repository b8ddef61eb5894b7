/**
 * NCP billing (Cost and Usage API, `billingapi.apigw.ntruss.com/billing/v1`). NCP bills per month,
 * in KRW: `getDemandCostList` gives the member's monthly demand (and its memberNo),
 * `getProductDemandCostList` the per-product (and per-region) detail. Both take `startMonth`/`endMonth`
 * (yyyyMM, at most 3 months per request) and page with `pageNo`/`pageSize` (≤ 1,000).
 *
 * Mapping to our daily CostRow: one row per (month, product, region) dated the month's first day
 * (`YYYY-MM-01`), `estimated` while the month is open. We do not spread a month over its days: NCP
 * publishes no daily figure, and an even split would invent one. The product rows are completed by a
 * member-level "adjustments" row (credits, coins, round-down discounts that NCP applies to the whole
 * bill) so a month's rows sum to its `thisMonthDemandAmount` (before VAT, like the other clouds).
 */
import type { CostRow } from '../../contract'
import { badResponse, type Run } from '../../shared/call'
import type { NcpClient } from '../http'
import { codeOf, envelope, ncpPages, totalRowsOf } from '../scope'
import { num, str } from '../wire'

export const BILLING_PAGE_SIZE = 1000
/** Documented: "최대 3개월 조회 가능" (startMonth..endMonth spans at most 3 months). */
export const MAX_MONTHS_PER_REQUEST = 3
export const ADJUSTMENTS_SERVICE = 'Discounts and adjustments'

export interface DemandCost {
  memberNo: string
  month: string // yyyyMM
  /** Billed amount before VAT (thisMonthDemandAmount). */
  amount: number
  currency: string
}

export interface ProductDemandCost {
  month: string
  product: string
  region: string
  amount: number
  currency: string
}

/** yyyyMM months from `from` to `to` (YYYY-MM-DD), inclusive, in order. */
export function monthsBetween(from: string, to: string): string[] {
  const out: string[] = []
  let y = Number(from.slice(0, 4))
  let m = Number(from.slice(5, 7))
  const endY = Number(to.slice(0, 4))
  const endM = Number(to.slice(5, 7))
  while (y < endY || (y === endY && m <= endM)) {
    out.push(`${y}${String(m).padStart(2, '0')}`)
    if (++m > 12) {
      m = 1
      y++
    }
  }
  return out
}

/** Contiguous spans of ≤ 3 months: one request (plus pages) each. */
export function monthSpans(months: readonly string[]): Array<{ startMonth: string; endMonth: string }> {
  const out: Array<{ startMonth: string; endMonth: string }> = []
  for (let i = 0; i < months.length; i += MAX_MONTHS_PER_REQUEST) {
    const part = months.slice(i, i + MAX_MONTHS_PER_REQUEST)
    out.push({ startMonth: part[0] as string, endMonth: part[part.length - 1] as string })
  }
  return out
}

const currencyOf = (v: Record<string, unknown>) => codeOf(v.payCurrency) ?? str(v.payCurrency) ?? 'KRW'

export async function listDemandCosts(
  client: NcpClient,
  run: Run,
  span: { startMonth: string; endMonth: string },
  pageSize = BILLING_PAGE_SIZE,
): Promise<DemandCost[]> {
  const op = 'getDemandCostList'
  return ncpPages(run, { api: 'ncp.billing', operation: op }, pageSize, async (pageNo, size) => {
    const r = envelope(
      await client.get('billing', `/billing/v1/cost/${op}`, { ...span, pageNo, pageSize: size }),
      op,
    )
    const list = r.demandCostList ?? []
    if (!Array.isArray(list)) throw badResponse(`${op} returned no demandCostList`)
    const items = list.map((x: unknown): DemandCost => {
      const v = (x ?? {}) as Record<string, unknown>
      const memberNo = str(v.memberNo) ?? (typeof v.memberNo === 'number' ? String(v.memberNo) : null)
      const month = str(v.demandMonth)
      const amount = num(v.thisMonthDemandAmount) ?? num(v.totalDemandAmount)
      if (!memberNo || !month || !/^\d{6}$/.test(month) || amount === null)
        throw badResponse(`${op} returned a malformed demand row`)
      return { memberNo, month, amount, currency: currencyOf(v) }
    })
    return { items, totalRows: totalRowsOf(r, op) }
  })
}

export async function listProductDemandCosts(
  client: NcpClient,
  run: Run,
  span: { startMonth: string; endMonth: string },
): Promise<ProductDemandCost[]> {
  const op = 'getProductDemandCostList'
  return ncpPages(run, { api: 'ncp.billing', operation: op }, BILLING_PAGE_SIZE, async (pageNo, size) => {
    const r = envelope(
      await client.get('billing', `/billing/v1/cost/${op}`, { ...span, pageNo, pageSize: size }),
      op,
    )
    const list = r.productDemandCostList ?? []
    if (!Array.isArray(list)) throw badResponse(`${op} returned no productDemandCostList`)
    const items = list.map((x: unknown): ProductDemandCost => {
      const v = (x ?? {}) as Record<string, unknown>
      const type = (v.productDemandType ?? {}) as Record<string, unknown>
      const month = str(v.demandMonth)
      const amount = num(v.demandAmount) ?? num(v.useAmount)
      const product = str(type.codeName) ?? str(type.code)
      if (!month || !/^\d{6}$/.test(month) || amount === null || !product)
        throw badResponse(`${op} returned a malformed product row`)
      return {
        month,
        product,
        region: str(v.regionCode) ?? str(type.regionCode) ?? 'global',
        amount,
        currency: currencyOf(v),
      }
    })
    return { items, totalRows: totalRowsOf(r, op) }
  })
}

/** Product rows plus, per month, the member-level difference so the rows sum to the bill. */
export function toCostRows(
  demand: readonly DemandCost[],
  products: readonly ProductDemandCost[],
  currentMonth: string,
): CostRow[] {
  const day = (month: string) => `${month.slice(0, 4)}-${month.slice(4, 6)}-01`
  const rows: CostRow[] = products.map((p) => ({
    day: day(p.month),
    service: p.product,
    region: p.region,
    amount: p.amount,
    currency: p.currency,
    estimated: p.month >= currentMonth,
  }))
  for (const d of demand) {
    const detail = products
      .filter((p) => p.month === d.month && p.currency === d.currency)
      .reduce((n, p) => n + p.amount, 0)
    const rest = Math.round((d.amount - detail) * 1e6) / 1e6
    if (rest !== 0)
      rows.push({
        day: day(d.month),
        service: ADJUSTMENTS_SERVICE,
        region: 'global',
        amount: rest,
        currency: d.currency,
        estimated: d.month >= currentMonth,
      })
  }
  return rows
}
