/**
 * AWS Marketplace: Metering (ResolveCustomer, BatchMeterUsage) and Entitlement (GetEntitlements) over a
 * small catalogue of fake CMS listings. CMS itself is the seller, so the caller must be the poller
 * principal's account (the seller account).
 */
import { Rng, hashString } from '../world/hash'
import type { Sim } from '../control/sim'
import { POLLER_ACCOUNT } from '../world/world'
import { AwsError, type AwsHandler } from './aws-types'
import { arr, epochSeconds, num, obj, str } from './wire'

/** Fill the catalogue: three listings and one subscribed customer per simulated AWS account. */
export function seedMarketplace(sim: Sim): void {
  const rng = new Rng(hashString('marketplace', sim.world.seed))
  const products = [
    { productCode: `cms${rng.alnum(22).toLowerCase()}`, name: 'CMS Starter', dimensions: ['hosts'] },
    { productCode: `cms${rng.alnum(22).toLowerCase()}`, name: 'CMS Team', dimensions: ['hosts', 'metrics'] },
    {
      productCode: `cms${rng.alnum(22).toLowerCase()}`,
      name: 'CMS Enterprise',
      dimensions: ['hosts', 'metrics', 'seats'],
    },
  ]
  sim.marketplace.products.push(...products)
  sim.world.accounts
    .filter((a) => a.cloud === 'aws')
    .forEach((a, i) => {
      const product = products[i % products.length]
      if (!product) return
      sim.marketplace.customers.push({
        customerIdentifier: `cust${rng.alnum(11).toLowerCase()}`,
        awsAccountId: a.id,
        productCode: product.productCode,
        registrationToken: `mp-reg-${rng.hex(48)}`,
        entitlements: Object.fromEntries(product.dimensions.map((d, j) => [d, (j + 1) * 100])),
      })
    })
}

function requireSeller(accountId: string): void {
  if (accountId !== POLLER_ACCOUNT)
    throw new AwsError(
      'AccessDeniedException',
      `Account ${accountId} is not the seller of any product in this catalogue`,
    )
}

const resolveCustomer: AwsHandler = (req) => {
  requireSeller(req.accountId)
  const token = str(req.input.RegistrationToken) ?? ''
  const c = req.sim.marketplace.customers.find((x) => x.registrationToken === token)
  if (!c) throw new AwsError('InvalidTokenException', 'Registration token is invalid')
  return {
    data: {
      CustomerIdentifier: c.customerIdentifier,
      ProductCode: c.productCode,
      CustomerAWSAccountId: c.awsAccountId,
    },
  }
}

const MAX_RECORDS = 25
const MAX_AGE_SEC = 6 * 3600

const batchMeterUsage: AwsHandler = (req) => {
  requireSeller(req.accountId)
  const productCode = str(req.input.ProductCode) ?? ''
  const product = req.sim.marketplace.products.find((p) => p.productCode === productCode)
  if (!product) throw new AwsError('InvalidProductCodeException', `Product code ${productCode} is invalid`)
  const records = arr(req.input.UsageRecords).map(obj)
  if (records.length > MAX_RECORDS)
    throw new AwsError(
      'ValidationException',
      `1 validation error detected: Value at 'usageRecords' failed to satisfy constraint: Member must have length less than or equal to ${MAX_RECORDS}`,
    )
  const now = req.world.nowSeconds()
  const results = records.map((r) => {
    const ts = epochSeconds(r.Timestamp) ?? 0
    if (now - ts > MAX_AGE_SEC || ts - now > 3600)
      throw new AwsError('TimestampOutOfBoundsException', 'Timestamp must be within the past 6 hours')
    const customer = str(r.CustomerIdentifier) ?? ''
    const dimension = str(r.Dimension) ?? ''
    const quantity = num(r.Quantity) ?? 0
    if (!product.dimensions.includes(dimension))
      throw new AwsError(
        'InvalidUsageDimensionException',
        `Dimension ${dimension} is not defined for product ${productCode}`,
      )
    const usage = {
      Timestamp: new Date(ts * 1000),
      CustomerIdentifier: customer,
      Dimension: dimension,
      Quantity: quantity,
    }
    const c = req.sim.marketplace.customers.find(
      (x) => x.customerIdentifier === customer && x.productCode === productCode,
    )
    if (!c) return { UsageRecord: usage, Status: 'CustomerNotSubscribed' }
    const hour = Math.floor(ts / 3600)
    const dup = req.sim.marketplace.records.find(
      (m) =>
        m.customerIdentifier === customer &&
        m.dimension === dimension &&
        Math.floor(m.timestamp / 3600) === hour,
    )
    if (dup) return { UsageRecord: usage, MeteringRecordId: dup.meteringRecordId, Status: 'DuplicateRecord' }
    const id = `${req.world.rng.hex(8)}-${req.world.rng.hex(4)}-${req.world.rng.hex(4)}-${req.world.rng.hex(4)}-${req.world.rng.hex(12)}`
    req.sim.marketplace.records.push({
      meteringRecordId: id,
      productCode,
      customerIdentifier: customer,
      dimension,
      quantity,
      timestamp: ts,
    })
    return { UsageRecord: usage, MeteringRecordId: id, Status: 'Success' }
  })
  return { data: { Results: results, UnprocessedRecords: [] } }
}

const getEntitlements: AwsHandler = (req) => {
  requireSeller(req.accountId)
  const productCode = str(req.input.ProductCode) ?? ''
  if (!req.sim.marketplace.products.some((p) => p.productCode === productCode))
    throw new AwsError('InvalidParameterException', `Product code ${productCode} is invalid`)
  const filter = obj(req.input.Filter)
  const customers = arr(filter.CUSTOMER_IDENTIFIER).map((v) => str(v) ?? '')
  const dims = arr(filter.DIMENSION).map((v) => str(v) ?? '')
  const expires = new Date((req.world.nowSeconds() + 365 * 86400) * 1000)
  const rows = req.sim.marketplace.customers
    .filter(
      (c) =>
        c.productCode === productCode && (customers.length === 0 || customers.includes(c.customerIdentifier)),
    )
    .flatMap((c) =>
      Object.entries(c.entitlements).map(([d, v]) => ({
        ProductCode: productCode,
        Dimension: d,
        CustomerIdentifier: c.customerIdentifier,
        Value: { IntegerValue: v },
        ExpirationDate: expires,
      })),
    )
    .filter((e) => dims.length === 0 || dims.includes(e.Dimension))
  const max = num(req.input.MaxResults) ?? 25
  const offset = Number(str(req.input.NextToken) ?? '0') || 0
  const page = rows.slice(offset, offset + max)
  return {
    data: { Entitlements: page, ...(offset + max < rows.length ? { NextToken: String(offset + max) } : {}) },
  }
}

export const METERING_OPERATIONS: Record<string, AwsHandler> = {
  ResolveCustomer: resolveCustomer,
  BatchMeterUsage: batchMeterUsage,
}
export const ENTITLEMENT_OPERATIONS: Record<string, AwsHandler> = { GetEntitlements: getEntitlements }
