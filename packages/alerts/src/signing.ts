/**
 * Standard Webhooks v1 signing (https://www.standardwebhooks.com): HMAC-SHA256 over
 * `${webhook-id}.${webhook-timestamp}.${body}` with the base64-decoded `whsec_` secret; the header lists
 * one `v1,<base64>` per active secret (two during a rotation), space-separated.
 */
import { createHmac, randomBytes } from 'node:crypto'
import { AppError } from '@cms/core'

const PREFIX = 'whsec_'

/** A new signing secret: `whsec_` + base64 of 32 random bytes. */
export function generateWebhookSecret(): string {
  return PREFIX + randomBytes(32).toString('base64')
}

function secretKey(secret: string): Buffer {
  const b64 = secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret
  const key = Buffer.from(b64, 'base64')
  if (key.length < 24) throw new AppError('internal', 'Webhook signing secret is too short')
  return key
}

export function signPayload(secret: string, msgId: string, timestampSec: number, body: string): string {
  const mac = createHmac('sha256', secretKey(secret))
    .update(`${msgId}.${timestampSec}.${body}`)
    .digest('base64')
  return `v1,${mac}`
}

export interface SignatureHeaders {
  'webhook-id': string
  'webhook-timestamp': string
  'webhook-signature': string
}

export function standardWebhookHeaders(
  secrets: readonly string[],
  msgId: string,
  timestampSec: number,
  body: string,
): SignatureHeaders {
  if (secrets.length === 0) throw new AppError('internal', 'Webhook endpoint has no active signing secret')
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(timestampSec),
    'webhook-signature': secrets.map((s) => signPayload(s, msgId, timestampSec, body)).join(' '),
  }
}
