/**
 * Amazon SNS as AWS Marketplace uses it: notifications for `aws-mp-subscription-notification-<code>`
 * and `aws-mp-entitlement-notification`, signed (SignatureVersion 1 = RSA-SHA1, 2 = RSA-SHA256) with
 * a certificate this module serves as a `.pem` over https (the simulator's Azure listener, the only
 * TLS one — SNS cert URLs must be https). Receivers verify with a configurable host pattern.
 */
import { createSign, randomUUID } from 'node:crypto'
import type { Reply } from '../http'
import { signingKey } from './keys'

export const SNS_CERT_PATH = '/_mp/sns/SimpleNotificationService-cloudsim.pem'
export const SNS_CONFIRM_PATH = '/_mp/sns/confirm'

export interface SnsNotificationInput {
  /** subscribe-success | subscribe-fail | unsubscribe-pending | unsubscribe-success | entitlement-updated */
  action: string
  productCode: string
  customerIdentifier?: string
  customerAwsAccountId?: string
  licenseArn?: string
  /** Default '2'. */
  signatureVersion?: '1' | '2'
  /** Default now (world clock). */
  timestamp?: Date
  messageId?: string
  region?: string
}

export type SnsMessage = Record<string, string>

function stringToSign(m: SnsMessage): string {
  const keys =
    m.Type === 'Notification'
      ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']
      : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type']
  return keys.map((k) => (m[k] === undefined ? '' : `${k}\n${m[k]}\n`)).join('')
}

export async function signSns(m: SnsMessage): Promise<SnsMessage> {
  const key = await signingKey('sns')
  const s = createSign(m.SignatureVersion === '1' ? 'RSA-SHA1' : 'RSA-SHA256')
  s.update(stringToSign(m), 'utf8')
  return { ...m, Signature: s.sign(key.privateKey, 'base64') }
}

export async function snsNotification(
  httpsOrigin: string,
  n: SnsNotificationInput,
  now: Date,
): Promise<SnsMessage> {
  const region = n.region ?? 'us-east-1'
  const entitlement = n.action === 'entitlement-updated'
  const message: Record<string, string> = {
    action: n.action,
    'product-code': n.productCode,
    ...(n.customerIdentifier ? { 'customer-identifier': n.customerIdentifier } : {}),
    ...(n.customerAwsAccountId ? { 'customer-aws-account-id': n.customerAwsAccountId } : {}),
    ...(n.licenseArn ? { 'license-arn': n.licenseArn } : {}),
  }
  const topic = entitlement
    ? 'aws-mp-entitlement-notification'
    : `aws-mp-subscription-notification-${n.productCode}`
  return signSns({
    Type: 'Notification',
    MessageId: n.messageId ?? randomUUID(),
    TopicArn: `arn:aws:sns:${region}:287250355862:${topic}`,
    Message: JSON.stringify(message),
    Timestamp: (n.timestamp ?? now).toISOString(),
    SignatureVersion: n.signatureVersion ?? '2',
    SigningCertURL: `${httpsOrigin}${SNS_CERT_PATH}`,
    UnsubscribeURL: `${httpsOrigin}${SNS_CONFIRM_PATH}?Action=Unsubscribe`,
  })
}

export async function snsSubscriptionConfirmation(
  httpsOrigin: string,
  topicArn: string,
  token: string,
  now: Date,
): Promise<SnsMessage> {
  return signSns({
    Type: 'SubscriptionConfirmation',
    MessageId: randomUUID(),
    Token: token,
    TopicArn: topicArn,
    Message: `You have chosen to subscribe to the topic ${topicArn}.`,
    SubscribeURL: `${httpsOrigin}${SNS_CONFIRM_PATH}?Action=ConfirmSubscription&Token=${encodeURIComponent(token)}`,
    Timestamp: now.toISOString(),
    SignatureVersion: '2',
    SigningCertURL: `${httpsOrigin}${SNS_CERT_PATH}`,
  })
}

export async function serveSnsCert(): Promise<Reply> {
  const key = await signingKey('sns')
  return { status: 200, headers: { 'content-type': 'application/x-pem-file' }, body: key.certPem }
}
