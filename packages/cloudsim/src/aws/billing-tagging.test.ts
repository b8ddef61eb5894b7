import {
  CostExplorerClient,
  GetCostAndUsageCommand,
  GetCostForecastCommand,
  type GetCostAndUsageCommandOutput,
} from '@aws-sdk/client-cost-explorer'
import {
  GetEntitlementsCommand,
  MarketplaceEntitlementServiceClient,
} from '@aws-sdk/client-marketplace-entitlement-service'
import {
  BatchMeterUsageCommand,
  MarketplaceMeteringClient,
  ResolveCustomerCommand,
} from '@aws-sdk/client-marketplace-metering'
import {
  GetResourcesCommand,
  paginateGetResources,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api'
import { describe, expect, it } from 'vitest'
import { dailyCosts, DAY, dayString } from '../world/costs'
import { accountOf, useCloudSim } from '../testing/sim-fixture'

const getSim = useCloudSim()

function ce() {
  const sim = getSim()
  return new CostExplorerClient({
    region: 'us-east-1',
    endpoint: sim.urls.aws,
    credentials: accountOf(sim, 'aws').credentials.accessKeys,
    maxAttempts: 1,
  })
}

describe('Cost Explorer', () => {
  it('returns daily costs by SERVICE and REGION that match the resources that ran, with NextPageToken paging', async () => {
    const sim = getSim()
    const a = accountOf(sim, 'aws')
    const today = dayString(sim.world.nowSeconds())
    const from = dayString(sim.world.nowSeconds() - 10 * DAY)
    sim.control.setLimits({ ceGroupsPerPage: 5 })
    const pages: GetCostAndUsageCommandOutput[] = []
    let token: string | undefined
    do {
      const out = await ce().send(
        new GetCostAndUsageCommand({
          TimePeriod: { Start: from, End: today },
          Granularity: 'DAILY',
          Metrics: ['UnblendedCost'],
          GroupBy: [
            { Type: 'DIMENSION', Key: 'SERVICE' },
            { Type: 'DIMENSION', Key: 'REGION' },
          ],
          NextPageToken: token,
        }),
      )
      pages.push(out)
      token = out.NextPageToken
    } while (token)
    sim.control.reset()
    expect(pages.length).toBeGreaterThan(1)
    const days = pages.flatMap((p) => p.ResultsByTime ?? [])
    expect(days).toHaveLength(10)
    expect(days[0]?.TimePeriod?.Start).toBe(from)
    expect(days.at(-1)?.Estimated).toBe(true)
    expect(days[0]?.Estimated).toBe(false)
    const truth = dailyCosts(sim.world.resourcesOf(a.id), from, today, sim.world.nowSeconds())
    const got = days.flatMap((d) =>
      (d.Groups ?? []).map((g) => ({
        day: d.TimePeriod?.Start,
        service: g.Keys?.[0],
        region: g.Keys?.[1],
        amount: Number(g.Metrics?.UnblendedCost?.Amount),
      })),
    )
    expect(got.length).toBe(truth.length)
    for (const t of truth)
      expect(
        got.find((g) => g.day === t.day && g.service === t.service && g.region === t.region)?.amount,
      ).toBeCloseTo(t.amount, 6)
    expect(got.some((g) => g.service === 'Amazon Elastic Compute Cloud - Compute')).toBe(true)
    expect(pages[0]?.GroupDefinitions).toEqual([
      { Type: 'DIMENSION', Key: 'SERVICE' },
      { Type: 'DIMENSION', Key: 'REGION' },
    ])
  })

  it('supports MONTHLY, LINKED_ACCOUNT and TAG grouping, and counts each page as a billable request', async () => {
    const sim = getSim()
    const a = accountOf(sim, 'aws')
    sim.control.resetCalls()
    const today = dayString(sim.world.nowSeconds())
    const from =
      `${today.slice(0, 7)}-01` < today
        ? `${today.slice(0, 7)}-01`
        : dayString(sim.world.nowSeconds() - 3 * DAY)
    const monthly = await ce().send(
      new GetCostAndUsageCommand({
        TimePeriod: { Start: from, End: today },
        Granularity: 'MONTHLY',
        Metrics: ['UnblendedCost', 'UsageQuantity'],
        GroupBy: [{ Type: 'DIMENSION', Key: 'LINKED_ACCOUNT' }],
      }),
    )
    expect(monthly.ResultsByTime?.[0]?.Groups?.[0]?.Keys).toEqual([a.id])
    const tags = await ce().send(
      new GetCostAndUsageCommand({
        TimePeriod: { Start: from, End: today },
        Granularity: 'MONTHLY',
        Metrics: ['UnblendedCost'],
        GroupBy: [{ Type: 'TAG', Key: 'team' }],
      }),
    )
    expect(tags.ResultsByTime?.[0]?.Groups?.every((g) => g.Keys?.[0]?.startsWith('team$'))).toBe(true)
    const total = await ce().send(
      new GetCostAndUsageCommand({
        TimePeriod: { Start: from, End: today },
        Granularity: 'MONTHLY',
        Metrics: ['UnblendedCost'],
      }),
    )
    expect(Number(total.ResultsByTime?.[0]?.Total?.UnblendedCost?.Amount)).toBeGreaterThan(0)
    expect(sim.control.calls().rows.find((r) => r.operation === 'GetCostAndUsage')).toMatchObject({
      calls: 3,
      billableUnits: 3,
    })
    await expect(
      ce().send(
        new GetCostAndUsageCommand({
          TimePeriod: { Start: today, End: from },
          Granularity: 'DAILY',
          Metrics: ['UnblendedCost'],
        }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationException' })
  })

  it('forecasts from recent spend', async () => {
    const sim = getSim()
    const today = dayString(sim.world.nowSeconds())
    const end = dayString(sim.world.nowSeconds() + 5 * DAY)
    const out = await ce().send(
      new GetCostForecastCommand({
        TimePeriod: { Start: today, End: end },
        Metric: 'UNBLENDED_COST',
        Granularity: 'DAILY',
      }),
    )
    expect(out.ForecastResultsByTime).toHaveLength(5)
    expect(Number(out.Total?.Amount)).toBeGreaterThan(0)
    await expect(
      ce().send(
        new GetCostForecastCommand({
          TimePeriod: { Start: dayString(sim.world.nowSeconds() - 2 * DAY), End: end },
          Metric: 'UNBLENDED_COST',
          Granularity: 'DAILY',
        }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationException' })
  })
})

describe('Resource Groups Tagging API', () => {
  it('returns only tagged resources, paged', async () => {
    const sim = getSim()
    const a = accountOf(sim, 'aws')
    const client = new ResourceGroupsTaggingAPIClient({
      region: 'us-east-1',
      endpoint: sim.urls.aws,
      credentials: a.credentials.accessKeys,
      maxAttempts: 1,
    })
    const arns: string[] = []
    let pages = 0
    for await (const p of paginateGetResources({ client }, { ResourcesPerPage: 2 })) {
      pages++
      arns.push(...(p.ResourceTagMappingList ?? []).map((m) => m.ResourceARN ?? ''))
    }
    const live = sim.control.resources({ account: a.id, region: 'us-east-1' })
    const tagged = live.filter((r) => Object.keys(r.tags).length > 0)
    expect(tagged.length).toBeLessThan(live.length)
    expect(arns.sort()).toEqual(tagged.map((r) => r.arn ?? '').sort())
    expect(pages).toBe(Math.ceil(tagged.length / 2))
    const onlyInstances = await client.send(
      new GetResourcesCommand({ ResourceTypeFilters: ['ec2:instance'] }),
    )
    expect(onlyInstances.ResourceTagMappingList?.every((m) => m.ResourceARN?.includes(':instance/'))).toBe(
      true,
    )
  })
})

describe('Marketplace', () => {
  it('resolves customers, meters usage and lists entitlements for the seller', async () => {
    const sim = getSim()
    const poller = sim.control.poller()
    const creds = { accessKeyId: poller.accessKeyId, secretAccessKey: poller.secretAccessKey }
    const mp = sim.control.marketplace()
    const customer = mp.customers[0]
    if (!customer) throw new Error('no customer')
    const metering = new MarketplaceMeteringClient({
      region: 'us-east-1',
      endpoint: sim.urls.aws,
      credentials: creds,
      maxAttempts: 1,
    })
    const resolved = await metering.send(
      new ResolveCustomerCommand({ RegistrationToken: customer.registrationToken }),
    )
    expect(resolved).toMatchObject({
      CustomerIdentifier: customer.customerIdentifier,
      ProductCode: customer.productCode,
      CustomerAWSAccountId: customer.awsAccountId,
    })
    await expect(
      metering.send(new ResolveCustomerCommand({ RegistrationToken: 'bogus' })),
    ).rejects.toMatchObject({ name: 'InvalidTokenException' })
    const now = new Date(sim.world.nowMs())
    const metered = await metering.send(
      new BatchMeterUsageCommand({
        ProductCode: customer.productCode,
        UsageRecords: [
          {
            Timestamp: now,
            CustomerIdentifier: customer.customerIdentifier,
            Dimension: 'hosts',
            Quantity: 12,
          },
          { Timestamp: now, CustomerIdentifier: 'stranger', Dimension: 'hosts', Quantity: 1 },
        ],
      }),
    )
    expect(metered.Results?.map((r) => r.Status)).toEqual(['Success', 'CustomerNotSubscribed'])
    const again = await metering.send(
      new BatchMeterUsageCommand({
        ProductCode: customer.productCode,
        UsageRecords: [
          {
            Timestamp: now,
            CustomerIdentifier: customer.customerIdentifier,
            Dimension: 'hosts',
            Quantity: 12,
          },
        ],
      }),
    )
    expect(again.Results?.[0]?.Status).toBe('DuplicateRecord')
    await expect(
      metering.send(
        new BatchMeterUsageCommand({
          ProductCode: customer.productCode,
          UsageRecords: [
            {
              Timestamp: new Date(now.getTime() - 7 * 3600_000),
              CustomerIdentifier: customer.customerIdentifier,
              Dimension: 'hosts',
              Quantity: 1,
            },
          ],
        }),
      ),
    ).rejects.toMatchObject({ name: 'TimestampOutOfBoundsException' })
    const ent = new MarketplaceEntitlementServiceClient({
      region: 'us-east-1',
      endpoint: sim.urls.aws,
      credentials: creds,
      maxAttempts: 1,
    })
    const out = await ent.send(
      new GetEntitlementsCommand({
        ProductCode: customer.productCode,
        Filter: { CUSTOMER_IDENTIFIER: [customer.customerIdentifier] },
      }),
    )
    expect(out.Entitlements?.[0]).toMatchObject({
      CustomerIdentifier: customer.customerIdentifier,
      Dimension: 'hosts',
      Value: { IntegerValue: 100 },
    })
    expect(out.Entitlements?.[0]?.ExpirationDate).toBeInstanceOf(Date)
    // A tenant account is not the seller.
    const tenant = new MarketplaceMeteringClient({
      region: 'us-east-1',
      endpoint: sim.urls.aws,
      credentials: accountOf(sim, 'aws').credentials.accessKeys,
      maxAttempts: 1,
    })
    await expect(
      tenant.send(new ResolveCustomerCommand({ RegistrationToken: customer.registrationToken })),
    ).rejects.toMatchObject({ name: 'AccessDeniedException' })
  })
})
