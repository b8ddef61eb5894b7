import { createSign } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { generate } from 'selfsigned'
import { snsStringToSign, verifySnsMessage, type SnsMessage } from './sns'
import { parseAwsEventBridgeEvent, parseAwsSnsNotification } from './notifications'

let pems: { private: string; cert: string }
let other: { private: string; cert: string }
beforeAll(async () => {
  pems = await generate([{ name: 'commonName', value: 'sns.amazonaws.com' }], {
    keySize: 2048,
    algorithm: 'sha256',
  })
  other = await generate([{ name: 'commonName', value: 'evil' }], { keySize: 2048, algorithm: 'sha256' })
})

const CERT_URL = 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000.pem'
function message(
  version: '1' | '2',
  overrides: Partial<Record<string, string>> = {},
  key = () => pems.private,
): SnsMessage {
  const m = {
    Type: 'Notification',
    MessageId: crypto.randomUUID(),
    TopicArn: 'arn:aws:sns:us-east-1:287250355862:aws-mp-subscription-notification-prod123',
    Message: JSON.stringify({
      action: 'subscribe-success',
      'customer-identifier': 'cust-1',
      'product-code': 'prod123',
    }),
    Timestamp: new Date().toISOString(),
    SignatureVersion: version,
    SigningCertURL: CERT_URL,
    Signature: '',
    ...overrides,
  } as SnsMessage
  const signer = createSign(version === '1' ? 'RSA-SHA1' : 'RSA-SHA256')
  signer.update(snsStringToSign(m))
  m.Signature = overrides.Signature ?? signer.sign(key(), 'base64')
  return m
}
const fetchCert = async (url: string) => {
  if (url !== CERT_URL) throw new Error('unexpected url')
  return pems.cert
}

describe('SNS signature verification', () => {
  it('accepts SignatureVersion 1 (SHA1) and 2 (SHA256)', async () => {
    await expect(verifySnsMessage(message('1'), { fetchCert })).resolves.toMatchObject({
      Type: 'Notification',
    })
    await expect(verifySnsMessage(message('2'), { fetchCert })).resolves.toMatchObject({
      Type: 'Notification',
    })
  })

  it('rejects forged, tampered, foreign-host, non-pem, stale and malformed messages with one generic error', async () => {
    const forged = message('2', {}, () => other.private)
    const tampered = { ...message('2'), Message: '{"action":"unsubscribe-success"}' }
    const foreignHost = message('2', { SigningCertURL: 'https://sns.us-east-1.amazonaws.com.evil.com/x.pem' })
    const httpCert = message('2', { SigningCertURL: 'http://sns.us-east-1.amazonaws.com/x.pem' })
    const notPem = message('2', { SigningCertURL: 'https://sns.us-east-1.amazonaws.com/x.txt' })
    const stale = message('2', { Timestamp: new Date(Date.now() - 2 * 3600_000).toISOString() })
    for (const bad of [
      forged,
      tampered,
      foreignHost,
      httpCert,
      notPem,
      stale,
      { Type: 'Notification' },
      'not json',
    ]) {
      await expect(verifySnsMessage(bad, { fetchCert })).rejects.toMatchObject({
        code: 'bad_request',
        message: 'Invalid SNS message',
      })
    }
  })

  it('fetches certificates only from the documented SNS hosts and file names (issue 18)', async () => {
    const { AWS_SNS_CERT_HOST } = await import('./sns')
    for (const ok of [
      'sns.us-east-1.amazonaws.com',
      'sns.eu-central-2.amazonaws.com',
      'sns.us-gov-west-1.amazonaws.com',
      'sns.cn-north-1.amazonaws.com.cn',
      'sns.ap-southeast-5.amazonaws.com',
    ])
      expect(ok).toMatch(AWS_SNS_CERT_HOST)
    for (const bad of [
      // Legacy S3 endpoints serve a bucket named "sns" here: any-label patterns accepted them.
      'sns.s3-us-west-2.amazonaws.com',
      'sns.s3-external-1.amazonaws.com',
      'sns.evil.amazonaws.com',
      'sns.us-east-1.amazonaws.com.evil.com',
      'sns.us-east-1.amazonaws.co',
      'SNS.US-EAST-1.AMAZONAWS.COM.',
    ])
      expect(bad).not.toMatch(AWS_SNS_CERT_HOST)
    const urls: string[] = []
    const recording = async (url: string) => {
      urls.push(url)
      return pems.cert
    }
    for (const SigningCertURL of [
      'https://sns.s3-us-west-2.amazonaws.com/SimpleNotificationService-0000.pem',
      'https://sns.us-east-1.amazonaws.com/uploads/attacker.pem',
      'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000.pem?redirect=x',
    ])
      await expect(
        verifySnsMessage(message('2', { SigningCertURL }), { fetchCert: recording }),
      ).rejects.toMatchObject({
        code: 'bad_request',
      })
    expect(urls).toEqual([])
  })

  it('normalizes SNS actions (kebab and Camel case) and EventBridge events to one event type', () => {
    expect(
      parseAwsSnsNotification('{"action":"subscribe-success","customer-identifier":"c1","product-code":"p"}'),
    ).toMatchObject({ kind: 'activate', customerIdentifier: 'c1' })
    expect(
      parseAwsSnsNotification('{"Action":"unsubscribe-success","CustomerIdentifier":"c1"}'),
    ).toMatchObject({ kind: 'cancel', customerIdentifier: 'c1' })
    expect(
      parseAwsSnsNotification(
        '{"action":"entitlement-updated","customer-aws-account-id":"123456789012","license-arn":"arn:l"}',
      ),
    ).toMatchObject({ kind: 'change_plan', customerAccountId: '123456789012', licenseArn: 'arn:l' })
    expect(parseAwsSnsNotification('{"action":"dance"}')).toBeNull()
    expect(parseAwsSnsNotification('garbage')).toBeNull()
    expect(
      parseAwsEventBridgeEvent({
        id: 'e1',
        'detail-type': 'License Deprovisioned - Manufacturer',
        detail: { licenseArn: 'arn:l', customerAWSAccountId: '1' },
      }),
    ).toMatchObject({ kind: 'cancel', eventId: 'e1', licenseArn: 'arn:l' })
  })
})
