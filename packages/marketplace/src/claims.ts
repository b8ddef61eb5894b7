/**
 * After a marketplace buyer lands, the organization exists but has no user yet. We hand the buyer a
 * short-lived signed claim (HMAC with the server's AUTH_SECRET) that the sign-up page redeems to make
 * them the organization's owner. Stateless, single-purpose, and bound to one tenant.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { AppError } from '@cms/core'

export function signClaim(secret: string, tenantId: string, ttlSeconds = 3600, now = Date.now()): string {
  const payload = Buffer.from(
    JSON.stringify({ t: tenantId, e: Math.floor(now / 1000) + ttlSeconds }),
  ).toString('base64url')
  const mac = createHmac('sha256', secret).update(`claim.${payload}`).digest('base64url')
  return `${payload}.${mac}`
}

export function verifyClaim(secret: string, claim: string, now = Date.now()): string {
  const [payload, mac] = claim.split('.')
  const bad = () => new AppError('bad_request', 'This sign-up link is invalid or has expired')
  if (!payload || !mac) throw bad()
  const expected = createHmac('sha256', secret).update(`claim.${payload}`).digest()
  const given = Buffer.from(mac, 'base64url')
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw bad()
  const { t, e } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { t: string; e: number }
  if (e * 1000 < now) throw bad()
  return t
}
