/**
 * Metering end to end: subscriptions from real AWS SDK fulfillment against cloudsim, N monitored
 * resources for 3 hours → exactly 3 hourly records per customer in cloudsim's metered records, with a
 * failed BatchMeterUsage call, a re-run of the hourly job and a lost response never double-billing.
 */
import { MarketplaceEntitlementServiceClient } from '@aws-sdk/client-marketplace-entitlement-service'
import { MarketplaceMeteringClient } from '@aws-sdk/client-marketplace-metering'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startCloudSim, type CloudSim } from '@cms/cloudsim'
import { marketplaceExtension } from '@cms/cloudsim/marketplace/index'
import { createTestDatabase, type TestDatabase } from '@cms/db/testing'
import { fulfillAwsToken } from './fulfillment'
import { hourStart, recordHourlyUsage, sendPendingUsage } from './metering'

let sim: CloudSim
const mp = marketplaceExtension()
let productCode = ''
let db: TestDatabase
let metering: MarketplaceMeteringClient
let entitlement: MarketplaceEntitlementServiceClient

beforeAll(async () => {
  ;[sim, db] = await Promise.all([
    startCloudSim({ port: 0, seed: 3, scenario: 'minimal', marketplace: mp }),
    createTestDatabase(),
  ])
  const p = sim.control.poller()
  const cfg = {
    region: 'us-east-1',
    endpoint: sim.urls.aws,
    credentials: { accessKeyId: p.accessKeyId, secretAccessKey: p.secretAccessKey },
    maxAttempts: 1,
  }
  metering = new MarketplaceMeteringClient(cfg)
  // A usage-priced listing metering the dimension CMS sends.
  productCode = mp.aws.addProduct('CMS Usage', ['monitored_resources'])
  entitlement = new MarketplaceEntitlementServiceClient(cfg)
}, 120_000)
afterAll(async () => {
  metering?.destroy()
  entitlement?.destroy()
  await db?.drop()
  await sim?.stop()
})

async function customerWithResources(productIndex: number, resources: number) {
  const minted = sim.control.mintMarketplaceToken({ productCode, awsAccountId: `21000000000${productIndex}` })
  const { tenantId, subscriptionId } = await fulfillAwsToken(
    db.worker,
    { metering, entitlement },
    minted.registrationToken,
    { dimensionToPlan: {}, defaultPlan: 'team' },
  )
  // Subscribed 5 h ago, resources seen since then (one terminated long before: not counted).
  const since = new Date(Date.now() - 5 * 3600_000)
  await db.worker.marketplaceSubscription.update({
    where: { id: subscriptionId },
    data: { createdAt: since },
  })
  const account = await db.worker.cloudAccount.create({
    data: { tenantId, cloud: 'aws', name: 'prod', credentials: {}, credentialsView: {} },
  })
  await db.worker.resource.createMany({
    data: Array.from({ length: resources + 1 }, (_, i) => ({
      tenantId,
      accountId: account.id,
      cloud: 'aws' as const,
      region: 'us-east-1',
      type: 'ec2.instance',
      nativeId: `i-${productIndex}-${i}`,
      state: i === resources ? 'terminated' : 'running',
      firstSeenAt: since,
      ...(i === resources ? { terminatedAt: new Date(since.getTime() + 60_000) } : {}),
    })),
  })
  return { customerIdentifier: minted.customerIdentifier, resources }
}

it('3 hours → exactly 3 records per customer, through a failed call, a re-run and a lost response', async () => {
  const customers = [await customerWithResources(1, 7), await customerWithResources(2, 3)]
  const now = new Date()
  const hours = [3, 2, 1].map((k) => hourStart(new Date(now.getTime() - k * 3600_000)))
  for (const h of hours) expect(await recordHourlyUsage(db.worker, h)).toBe(2)
  // The hourly job runs again (retry): nothing new, quantities unchanged.
  for (const h of hours) expect(await recordHourlyUsage(db.worker, h)).toBe(0)

  // A failed BatchMeterUsage call: rows stay pending, nothing is billed.
  const fault = sim.control.addFault({
    cloud: 'aws',
    api: 'marketplace-metering',
    operation: 'BatchMeterUsage',
    errorRate: 1,
  })
  const failed = await sendPendingUsage(db.worker, metering, now)
  expect(failed).toMatchObject({ sent: 0, unprocessed: 6 })
  sim.control.removeFault(fault.id)
  expect(await db.worker.meteringRecord.count({ where: { status: 'pending' } })).toBe(6)

  const ok = await sendPendingUsage(db.worker, metering, now)
  expect(ok).toMatchObject({ sent: 6, unprocessed: 0, duplicate: 0 })
  // Nothing pending: a second run sends nothing.
  expect(await sendPendingUsage(db.worker, metering, now)).toMatchObject({ calls: 0, sent: 0 })

  // Lost response (AWS billed, our update never landed): the resend is a DuplicateRecord, not a new charge.
  await db.worker.meteringRecord.updateMany({ where: { status: 'sent' }, data: { status: 'pending' } })
  expect(await sendPendingUsage(db.worker, metering, now)).toMatchObject({ sent: 0, duplicate: 6 })

  const records = sim.control.marketplace().records
  for (const c of customers) {
    const mine = records.filter((r) => r.customerIdentifier === c.customerIdentifier)
    expect(mine).toHaveLength(3)
    expect(mine.map((r) => r.timestamp * 1000).sort()).toEqual(hours.map((h) => h.getTime()))
    expect(mine.every((r) => r.quantity === c.resources && r.dimension === 'monitored_resources')).toBe(true)
  }
})
