/**
 * The HTTPS endpoint SNS posts marketplace notifications to. Verifies the message (signature,
 * certificate host, age), confirms subscriptions, and applies notifications once (MessageId dedupe).
 * `entitlement-updated` carries no plan: we re-read the entitlements, as AWS recommends.
 */
import { GetEntitlementsCommand } from '@aws-sdk/client-marketplace-entitlement-service'
import type { PrismaClient } from '@cms/db'
import { applySubscriptionEvent } from '../subscriptions'
import { assertSnsUrl, verifySnsMessage, AWS_SNS_CERT_HOST, type SnsVerifyOptions } from './sns'
import { parseAwsSnsNotification } from './notifications'
import { findAwsSubscription, type AwsMarketplaceClients, type AwsPlanMapping } from './fulfillment'

export interface AwsSnsHandlerOptions extends SnsVerifyOptions {
  clients: AwsMarketplaceClients
  mapping: AwsPlanMapping
  /** GET a URL (SubscribeURL confirmation); default global fetch. */
  get?: (url: string) => Promise<void>
}

export async function handleAwsSnsMessage(db: PrismaClient, body: unknown, opts: AwsSnsHandlerOptions) {
  const m = await verifySnsMessage(body, opts)
  if (m.Type === 'SubscriptionConfirmation') {
    const url = assertSnsUrl(m.SubscribeURL, opts.certHostPattern ?? AWS_SNS_CERT_HOST, 'SubscribeURL')
    await (opts.get ?? (async (u: string) => void (await fetch(u, { redirect: 'error' }))))(url.toString())
    return { outcome: 'confirmed' as const }
  }
  if (m.Type === 'UnsubscribeConfirmation') return { outcome: 'ignored' as const }
  const n = parseAwsSnsNotification(m.Message)
  if (!n) return { outcome: 'ignored' as const }
  const sub = await findAwsSubscription(db, n)
  if (!sub) {
    // Record it anyway so a replay stays a no-op; the buyer may not have finished fulfillment yet.
    return { outcome: 'unknown_subscription' as const }
  }
  let planId: string | undefined
  if (n.kind === 'change_plan' && sub.productCode) {
    const filter = sub.customerAccountId
      ? { CUSTOMER_AWS_ACCOUNT_ID: [sub.customerAccountId] }
      : { CUSTOMER_IDENTIFIER: [sub.customerIdentifier ?? ''] }
    const ents = await opts.clients.entitlement.send(
      new GetEntitlementsCommand({ ProductCode: sub.productCode, Filter: filter }),
    )
    planId =
      (ents.Entitlements ?? [])
        .map((e) => (e.Dimension ? opts.mapping.dimensionToPlan[e.Dimension] : undefined))
        .find((p): p is string => !!p) ?? opts.mapping.defaultPlan
  }
  return applySubscriptionEvent(db, {
    source: 'aws',
    eventId: m.MessageId,
    kind: n.kind,
    externalId: sub.externalId,
    ...(planId ? { planId } : {}),
  })
}
