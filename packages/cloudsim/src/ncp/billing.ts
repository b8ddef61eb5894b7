/**
 * Cost and Usage (billing): monthly KRW demand per member, per product and region, and per contract
 * (one resource), computed from what ran (world/costs.ts). Shapes: docs/ncp-wire.md §6.
 */
import { BILLING_SERVICE, billableSeconds, hourlyPrice, resourceCost } from '../world/costs'
import { hashString } from '../world/hash'
import { stateAt } from '../world/metrics'
import type { ResourceType, SimResource } from '../world/types'
import { code, envelope, ncpDate, NcpServiceError, page, type NcpRequest } from './ncp-types'

const KRW = code('KRW', 'KRW')

const DEMAND_TYPE: Partial<Record<ResourceType, [string, string]>> = {
  'ncp.server': ['SVR', 'Server'],
  'ncp.nat_gateway': ['VPC_NATGW', 'NAT Gateway'],
  'ncp.mysql': ['VMYSQL', 'Cloud DB for MySQL'],
}

/** Documented: "최대 3개월 조회 가능" (platform-costandusage-getdemandcostlist). */
const MAX_MONTHS = 3

interface Month {
  month: string
  from: number
  to: number
}

/** startMonth..endMonth (yyyyMM, ≤ 3 months), each clipped to now. */
function months(q: URLSearchParams, nowSec: number): Month[] {
  const start = q.get('startMonth') ?? ''
  const end = q.get('endMonth') ?? ''
  const re = /^(\d{4})(0[1-9]|1[0-2])$/
  const a = re.exec(start)
  const b = re.exec(end)
  if (!a || !b) throw new NcpServiceError('1002', 'startMonth and endMonth (yyyyMM) are required.')
  const first = Number(a[1]) * 12 + Number(a[2]) - 1
  const last = Number(b[1]) * 12 + Number(b[2]) - 1
  if (last < first) throw new NcpServiceError('1002', 'endMonth must not be before startMonth.')
  if (last - first + 1 > MAX_MONTHS)
    throw new NcpServiceError('1002', `At most ${MAX_MONTHS} months can be queried at once.`)
  const out: Month[] = []
  for (let m = first; m <= last; m++) {
    const from = Date.UTC(Math.floor(m / 12), m % 12, 1) / 1000
    const to = Date.UTC(Math.floor((m + 1) / 12), (m + 1) % 12, 1) / 1000
    if (from >= nowSec) continue
    out.push({
      month: `${Math.floor(m / 12)}${String((m % 12) + 1).padStart(2, '0')}`,
      from,
      to: Math.min(to, nowSec),
    })
  }
  return out
}

interface Charge {
  month: Month
  r: SimResource
  /** Whole won, as NCP bills. */
  amount: number
}

/** Every (month, billable resource) with a non-zero charge, in resource order. */
function charges(req: NcpRequest): Charge[] {
  const now = req.sim.world.nowSeconds()
  const out: Charge[] = []
  const region = req.query.get('regionCode')
  for (const month of months(req.query, now))
    for (const r of req.sim.world.resourcesOf(req.account)) {
      if (!DEMAND_TYPE[r.type] || (region && r.region !== region)) continue
      const amount = Math.round(resourceCost(r, month.from, month.to))
      if (amount > 0) out.push({ month, r, amount })
    }
  return out
}

const writeDate = (m: Month) => ncpDate(m.to)
/** Billable hours in the month, to 2 decimals. */
const hours = (r: SimResource, m: Month) => Math.round((billableSeconds(r, m.from, m.to) / 3600) * 100) / 100

export function getDemandCostList(req: NcpRequest): unknown {
  const byMonth = new Map<string, { m: Month; amount: number }>()
  for (const c of charges(req)) {
    const row = byMonth.get(c.month.month) ?? { m: c.month, amount: 0 }
    row.amount += c.amount
    byMonth.set(c.month.month, row)
  }
  const rows = [...byMonth.values()].map(({ m, amount }) => {
    const vat = Math.round(amount * 0.1)
    return {
      memberNo: req.account,
      demandMonth: m.month,
      demandNo: String(hashString(`${req.account}|${m.month}`, 1)),
      integrationDemandNo: '',
      demandAttribute: code('GENERAL', 'General'),
      useAmount: amount,
      promiseDiscountAmount: 0,
      promotionDiscountAmount: 0,
      etcDiscountAmount: 0,
      customerDiscountAmount: 0,
      productDiscountAmount: 0,
      creditDiscountAmount: 0,
      rounddownDiscountAmount: 0,
      currencyDiscountAmount: 0,
      coinUseAmount: 0,
      defaultAmount: amount,
      thisMonthDemandAmount: amount,
      thisMonthVatRatio: 10,
      thisMonthVatAmount: vat,
      thisMonthAmountIncludingVat: amount + vat,
      totalDemandAmount: amount + vat,
      isPaidUp: false,
      writeDate: writeDate(m),
      payCurrency: KRW,
    }
  })
  const p = page(rows, req.query)
  return envelope('getDemandCostList', { totalRows: p.totalRows, demandCostList: p.rows })
}

export function getProductDemandCostList(req: NcpRequest): unknown {
  const byKey = new Map<string, { m: Month; type: ResourceType; region: string; amount: number }>()
  for (const c of charges(req)) {
    const k = `${c.month.month}|${c.r.type}|${c.r.region}`
    const row = byKey.get(k) ?? { m: c.month, type: c.r.type, region: c.r.region, amount: 0 }
    row.amount += c.amount
    byKey.set(k, row)
  }
  const rows = [...byKey.values()].map(({ m, type, region, amount }) => {
    const [dc, dn] = DEMAND_TYPE[type] ?? ['ETC', BILLING_SERVICE[type] ?? 'Other']
    return {
      memberNo: req.account,
      demandMonth: m.month,
      regionCode: region,
      productDemandType: code(dc, dn),
      promiseDiscountAmount: 0,
      promotionDiscountAmount: 0,
      etcDiscountAmount: 0,
      productDiscountAmount: 0,
      creditDiscountAmount: 0,
      defaultAmount: amount,
      useAmount: amount,
      demandAmount: amount,
      writeDate: writeDate(m),
      memberPriceDiscountAmount: 0,
      memberPromiseDiscountAddAmount: 0,
      payCurrency: KRW,
      thisMonthAppliedExchangeRate: 1,
    }
  })
  const p = page(rows, req.query)
  return envelope('getProductDemandCostList', { totalRows: p.totalRows, productDemandCostList: p.rows })
}

export function getContractDemandCostList(req: NcpRequest): unknown {
  const contractNo = req.query.get('contractNo')
  const now = req.sim.world.nowSeconds()
  const rows = charges(req)
    .map(({ month, r, amount }) => {
      const [dc, dn] = DEMAND_TYPE[r.type] ?? ['ETC', 'Other']
      const no = String(hashString(`contract|${r.id}`, 7))
      const created = r.history[0]?.t ?? 0
      const ended = stateAt(r, now) === 'terminated' ? (r.history[r.history.length - 1]?.t ?? now) : undefined
      return {
        memberNo: req.account,
        regionCode: r.region,
        demandType: code(dc, dn),
        demandTypeDetail: code(`${dc}001`, dn),
        contract: {
          memberNo: req.account,
          contractNo: no,
          conjunctionContractNo: '',
          contractType: code(dc, dn),
          contractStatus: ended === undefined ? code('USE', 'Using') : code('END', 'End'),
          contractStartDate: ncpDate(created),
          contractEndDate: ended === undefined ? '' : ncpDate(ended),
          instanceName: r.name,
          regionCode: r.region,
          platformType: code('VPC', 'VPC'),
          contractProductList: [
            {
              contractProductSequence: `${no}01`,
              beforeContractProductSequence: '',
              productCode: String(r.attrs.serverProductCode ?? r.attrs.cloudMysqlProductCode ?? dc),
              priceNo: '',
              promiseNo: '',
              instanceNo: r.id,
              productItemKind: code(dc, dn),
              productRatingType: code('HOUR', 'Hourly'),
              serviceStatus: ended === undefined ? code('RUN', 'Running') : code('END', 'End'),
              serviceStartDate: ncpDate(created),
              serviceEndDate: ended === undefined ? '' : ncpDate(ended),
              productSize: 0,
              productCount: 1,
            },
          ],
        },
        demandMonth: month.month,
        unitUsageQuantity: hours(r, month),
        packageUnitUsageQuantity: 0,
        totalUnitUsageQuantity: hours(r, month),
        usageUnit: code('USAGE_HOUR', 'Hour'),
        productPrice: hourlyPrice(r),
        useAmount: amount,
        promotionDiscountAmount: 0,
        etcDiscountAmount: 0,
        promiseDiscountAmount: 0,
        demandAmount: amount,
        writeDate: writeDate(month),
        memberPriceDiscountAmount: 0,
        memberPromiseDiscountAddAmount: 0,
        payCurrency: KRW,
        thisMonthAppliedExchangeRate: 1,
      }
    })
    .filter((x) => !contractNo || x.contract.contractNo === contractNo)
  const p = page(rows, req.query)
  return envelope('getContractDemandCostList', { totalRows: p.totalRows, contractDemandCostList: p.rows })
}
