/**
 * Amazon SNS message verification (HTTPS subscriptions), SignatureVersion 1 (RSA-SHA1) and 2
 * (RSA-SHA256). The npm `sns-validator` only handles version 1, hence this small module.
 *
 * Checks, in order: required keys; SigningCertURL is https, names a SimpleNotificationService-*.pem
 * file (no query), and its host matches the allowed pattern (AWS: sns.<region>.amazonaws.com[.cn]); the message is not older than maxAgeSeconds;
 * the signature over the canonical string verifies with the certificate's public key.
 */
import { X509Certificate, createVerify } from 'node:crypto'
import { z } from 'zod'
import { AppError } from '@cms/core'

/**
 * SNS's documented certificate hosts: `sns.<region>.amazonaws.com` (`.com.cn` in China), region as AWS
 * names them (us-east-1, us-gov-west-1, cn-north-1, ap-southeast-5 …). Not "any label": legacy S3
 * endpoints put a bucket name in front of `s3-<region>.amazonaws.com`, so a bucket called `sns` would
 * serve `https://sns.s3-us-west-2.amazonaws.com/…pem` to a looser pattern.
 */
export const AWS_SNS_CERT_HOST = /^sns\.[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}\.amazonaws\.com(?:\.cn)?$/
/** SNS's certificate file name (`SimpleNotificationService-<id>.pem`). */
const SNS_CERT_FILE = /\/SimpleNotificationService-[A-Za-z0-9-]+\.pem$/

const base = {
  Type: z.string(),
  MessageId: z.string().min(1),
  TopicArn: z.string().min(1),
  Message: z.string(),
  Timestamp: z.string().datetime({ offset: true }),
  SignatureVersion: z.enum(['1', '2']),
  Signature: z.string().min(1),
  SigningCertURL: z.string().url(),
}
export const snsMessageSchema = z.discriminatedUnion('Type', [
  z.object({
    ...base,
    Type: z.literal('Notification'),
    Subject: z.string().optional(),
    UnsubscribeURL: z.string().optional(),
  }),
  z.object({
    ...base,
    Type: z.literal('SubscriptionConfirmation'),
    SubscribeURL: z.string().url(),
    Token: z.string(),
  }),
  z.object({
    ...base,
    Type: z.literal('UnsubscribeConfirmation'),
    SubscribeURL: z.string().url(),
    Token: z.string(),
  }),
])
export type SnsMessage = z.infer<typeof snsMessageSchema>

export function snsStringToSign(m: SnsMessage): string {
  const keys =
    m.Type === 'Notification'
      ? (['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'] as const)
      : (['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'] as const)
  const rec = m as unknown as Record<string, string | undefined>
  return keys.map((k) => (rec[k] === undefined ? '' : `${k}\n${rec[k]}\n`)).join('')
}

export interface SnsVerifyOptions {
  /** Allowed host of SigningCertURL / SubscribeURL (default: AWS's). */
  certHostPattern?: RegExp
  /** Fetch a certificate PEM (callers cache; default global fetch). */
  fetchCert?: (url: string) => Promise<string>
  maxAgeSeconds?: number
  now?: () => Date
}

const certCache = new Map<string, Promise<string>>()

/** Every rejection is the same generic 4xx error; the reason goes to `details` for logs only. */
function reject(reason: string): never {
  throw new AppError('bad_request', 'Invalid SNS message', { reason })
}

export function assertSnsUrl(url: string, pattern: RegExp, what: string): URL {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    reject(`${what} is not a URL`)
  }
  if (u.protocol !== 'https:') reject(`${what} is not https`)
  if (!pattern.test(u.hostname)) reject(`${what} host not allowed`)
  if (u.username || u.password) reject(`${what} has userinfo`)
  return u
}

export async function verifySnsMessage(input: unknown, opts: SnsVerifyOptions = {}): Promise<SnsMessage> {
  const parsed = snsMessageSchema.safeParse(input)
  if (!parsed.success) reject('missing or malformed keys')
  const m = parsed.data
  const pattern = opts.certHostPattern ?? AWS_SNS_CERT_HOST
  const certUrl = assertSnsUrl(m.SigningCertURL, pattern, 'SigningCertURL')
  if (!SNS_CERT_FILE.test(certUrl.pathname) || certUrl.search || certUrl.hash)
    reject('SigningCertURL is not an SNS certificate (.pem)')
  const now = opts.now?.() ?? new Date()
  const age = (now.getTime() - Date.parse(m.Timestamp)) / 1000
  if (age > (opts.maxAgeSeconds ?? 3600) || age < -300)
    reject('message timestamp outside the accepted window')

  const fetchCert =
    opts.fetchCert ??
    (async (url: string) => {
      const res = await fetch(url, { redirect: 'error' })
      if (!res.ok) throw new Error(`certificate fetch failed: ${res.status}`)
      return res.text()
    })
  let pem: string
  try {
    let pending = certCache.get(m.SigningCertURL)
    if (!pending) {
      pending = fetchCert(m.SigningCertURL)
      certCache.set(m.SigningCertURL, pending)
      pending.catch(() => certCache.delete(m.SigningCertURL))
    }
    pem = await pending
  } catch {
    reject('signing certificate unavailable')
  }
  let cert: X509Certificate
  try {
    cert = new X509Certificate(pem)
  } catch {
    reject('signing certificate unreadable')
  }
  if (Date.parse(cert.validTo) < now.getTime()) reject('signing certificate expired')
  const verifier = createVerify(m.SignatureVersion === '1' ? 'RSA-SHA1' : 'RSA-SHA256')
  verifier.update(snsStringToSign(m), 'utf8')
  if (!verifier.verify(cert.publicKey, m.Signature, 'base64')) reject('signature mismatch')
  return m
}
