/**
 * AWS Marketplace SaaS fulfillment: the buyer's browser POSTs `x-amzn-marketplace-token` to our
 * fulfillment URL → ResolveCustomer → GetEntitlements (contracts) → plan → organization.
 * New listings key on CustomerAWSAccountId + LicenseArn; CustomerIdentifier is kept when present.
 */
import {
  GetEntitlementsCommand,
  type MarketplaceEntitlementServiceClient,
} from '@aws-sdk/client-marketplace-entitlement-service'
import { ResolveCustomerCommand, type MarketplaceMeteringClient } from '@aws-sdk/client-marketplace-metering'
import { AppError } from '@cms/core'
import type { PrismaClient } from '@cms/db'
import { provisionSubscription } from '../subscriptions'
import { awsExternalId } from './notifications'

export interface AwsMarketplaceClients {
  metering: Pick<MarketplaceMeteringClient, 'send'>
  entitlement: Pick<MarketplaceEntitlementServiceClient, 'send'>
}

export interface AwsPlanMapping {
  /** Entitlement dimension → plan id (e.g. { team: 'team', enterprise: 'enterprise' }). */
  dimensionToPlan: Record<string, string>
  /** Plan when the product has no contract entitlements (usage-priced listings). */
  defaultPlan: string
}

function cloudError(e: unknown): AppError {
  const name = (e as { name?: string }).name ?? ''
  if (/InvalidToken|ExpiredToken|InvalidCustomerIdentifier/.test(name)) {
    return new AppError(
      'bad_request',
      'The marketplace token is invalid or expired. Open the product from AWS Marketplace again.',
      { cloud: name },
    )
  }
  if (/Throttl/.test(name))
    return new AppError('throttled', 'AWS Marketplace is throttling; try again shortly.', { cloud: name })
  return new AppError('cloud_unavailable', 'AWS Marketplace could not be reached; try again shortly.', {
    cloud: name,
  })
}

export async function fulfillAwsToken(
  db: PrismaClient,
  clients: AwsMarketplaceClients,
  token: string,
  mapping: AwsPlanMapping,
) {
  if (!token || token.length > 4096)
    throw new AppError('bad_request', 'Missing marketplace token', { field: 'x-amzn-marketplace-token' })
  const customer = await clients.metering
    .send(new ResolveCustomerCommand({ RegistrationToken: token }))
    .catch((e: unknown) => {
      throw cloudError(e)
    })
  const customerAccountId = customer.CustomerAWSAccountId ?? null
  const licenseArn = (customer as { LicenseArn?: string }).LicenseArn ?? null
  const customerIdentifier = customer.CustomerIdentifier || null
  const productCode = customer.ProductCode ?? null
  const externalId = awsExternalId({ customerAccountId, licenseArn, customerIdentifier })
  if (!externalId || !productCode)
    throw new AppError('bad_response', 'AWS Marketplace returned an incomplete customer record')

  const filter = customerAccountId
    ? { CUSTOMER_AWS_ACCOUNT_ID: [customerAccountId] }
    : { CUSTOMER_IDENTIFIER: [customerIdentifier!] }
  const dimensions: string[] = []
  let nextToken: string | undefined
  do {
    const page = await clients.entitlement
      .send(new GetEntitlementsCommand({ ProductCode: productCode, Filter: filter, NextToken: nextToken }))
      .catch((e: unknown) => {
        throw cloudError(e)
      })
    for (const ent of page.Entitlements ?? []) {
      const expired = ent.ExpirationDate && ent.ExpirationDate.getTime() < Date.now()
      if (ent.Dimension && !expired) dimensions.push(ent.Dimension)
    }
    nextToken = page.NextToken
  } while (nextToken)
  const planId =
    dimensions.map((d) => mapping.dimensionToPlan[d]).find((p): p is string => !!p) ?? mapping.defaultPlan

  const { subscription, created } = await provisionSubscription(db, {
    source: 'aws',
    externalId,
    planId,
    organizationName: `AWS customer ${customerAccountId ?? customerIdentifier}`,
    status: 'active',
    customerAccountId,
    customerIdentifier,
    licenseArn,
    productCode,
    data: { dimensions },
  })
  return {
    tenantId: subscription.tenantId,
    subscriptionId: subscription.id,
    planId: subscription.planId,
    created,
  }
}

/** Find the AWS subscription a notification speaks of (by account + license, or legacy identifier). */
export async function findAwsSubscription(
  db: PrismaClient,
  n: { customerAccountId?: string; licenseArn?: string; customerIdentifier?: string },
) {
  if (n.customerAccountId && n.licenseArn) {
    const s = await db.marketplaceSubscription.findUnique({
      where: { source_externalId: { source: 'aws', externalId: `${n.customerAccountId}:${n.licenseArn}` } },
    })
    if (s) return s
  }
  if (n.customerIdentifier) {
    return db.marketplaceSubscription.findFirst({
      where: { source: 'aws', customerIdentifier: n.customerIdentifier },
    })
  }
  return null
}
