/**
 * AWS Marketplace subscription notifications (SNS `aws-mp-subscription-notification-*` and
 * `aws-mp-entitlement-notification`) and their EventBridge successors, normalized into one
 * SubscriptionEvent so either feed drives the same state machine.
 */
import { z } from 'zod'
import type { SubscriptionEvent, SubscriptionEventKind } from '../subscriptions'

const SNS_ACTIONS: Record<string, SubscriptionEventKind> = {
  'subscribe-success': 'activate',
  'subscribe-fail': 'activation_failed',
  'unsubscribe-pending': 'cancel_pending',
  'unsubscribe-success': 'cancel',
  'entitlement-updated': 'change_plan',
}

// AWS documents kebab-case keys; some samples use CamelCase. Accept both.
const snsBody = z
  .object({
    action: z.string().optional(),
    Action: z.string().optional(),
    'customer-identifier': z.string().optional(),
    CustomerIdentifier: z.string().optional(),
    'customer-aws-account-id': z.string().optional(),
    CustomerAWSAccountId: z.string().optional(),
    'product-code': z.string().optional(),
    ProductCode: z.string().optional(),
    'license-arn': z.string().optional(),
    LicenseArn: z.string().optional(),
    'offer-identifier': z.string().optional(),
  })
  .passthrough()

export interface AwsNotification {
  kind: SubscriptionEventKind
  customerIdentifier?: string
  customerAccountId?: string
  licenseArn?: string
  productCode?: string
}

export function parseAwsSnsNotification(message: string): AwsNotification | null {
  let json: unknown
  try {
    json = JSON.parse(message)
  } catch {
    return null
  }
  const r = snsBody.safeParse(json)
  if (!r.success) return null
  const b = r.data
  const action = b.action ?? b.Action
  const kind = action ? SNS_ACTIONS[action] : undefined
  if (!kind) return null
  return {
    kind,
    customerIdentifier: b['customer-identifier'] ?? b.CustomerIdentifier,
    customerAccountId: b['customer-aws-account-id'] ?? b.CustomerAWSAccountId,
    licenseArn: b['license-arn'] ?? b.LicenseArn,
    productCode: b['product-code'] ?? b.ProductCode,
  }
}

const EVENTBRIDGE_DETAIL_TYPES: Record<string, SubscriptionEventKind> = {
  'Purchase Agreement Created - Manufacturer': 'activate',
  'Purchase Agreement Amended - Manufacturer': 'change_plan',
  'Purchase Agreement Ended - Manufacturer': 'cancel',
  'License Updated - Manufacturer': 'change_plan',
  'License Deprovisioned - Manufacturer': 'cancel',
}

/** An EventBridge marketplace event → the same normalized notification. */
export function parseAwsEventBridgeEvent(ev: {
  id: string
  'detail-type': string
  detail?: Record<string, unknown>
}): (AwsNotification & { eventId: string }) | null {
  const kind = EVENTBRIDGE_DETAIL_TYPES[ev['detail-type']]
  if (!kind) return null
  const d = ev.detail ?? {}
  const pick = (...keys: string[]) => keys.map((k) => d[k]).find((v): v is string => typeof v === 'string')
  return {
    eventId: ev.id,
    kind,
    customerAccountId: pick('customerAWSAccountId', 'CustomerAWSAccountId', 'acceptor'),
    licenseArn: pick('licenseArn', 'LicenseArn'),
    productCode: pick('productCode', 'ProductCode'),
  }
}

/** The subscription key we store for AWS (new integrations key on account + license). */
export function awsExternalId(n: {
  customerAccountId?: string | null
  licenseArn?: string | null
  customerIdentifier?: string | null
}): string | null {
  if (n.customerAccountId && n.licenseArn) return `${n.customerAccountId}:${n.licenseArn}`
  if (n.customerIdentifier) return `cid:${n.customerIdentifier}`
  return null
}

export function toSubscriptionEvent(
  eventId: string,
  n: AwsNotification,
  externalId: string,
  planId?: string,
): SubscriptionEvent {
  return { source: 'aws', eventId, kind: n.kind, externalId, ...(planId ? { planId } : {}) }
}
