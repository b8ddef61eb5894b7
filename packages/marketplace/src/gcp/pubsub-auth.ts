/**
 * Authenticated Pub/Sub push. A push subscription configured with a service account sends
 * `Authorization: Bearer <OIDC token>` signed by Google (keys at GOOGLE_OIDC_CERTS), with `aud` = the
 * audience set on the subscription and `email` = that service account. Without this check anyone could
 * POST procurement events to us: they are never trusted alone (the handler re-reads the entitlement
 * from Google), but each would still cost Procurement API calls and could approve a pending
 * entitlement on a forger's schedule.
 */
import type { JSONWebKeySet } from 'jose'
import { AppError } from '@cms/core'
import { fetchJson, type FetchLike } from '../http'
import { cachedJwks } from '../jwks'
import { bearerToken, verifyRs256Jwt } from '../bearer-jwt'

export const GOOGLE_OIDC_CERTS = 'https://www.googleapis.com/oauth2/v3/certs'
/** Google signs OIDC tokens with either form of its issuer. */
export const GOOGLE_OIDC_ISSUERS = ['https://accounts.google.com', 'accounts.google.com']

export interface GcpPushAuthConfig {
  /** The audience configured on the push subscription. */
  audience: string
  /** The service account the push subscription authenticates as. */
  serviceAccountEmail: string
  fetch: FetchLike
  /** JWKS of Google's OIDC keys (default GOOGLE_OIDC_CERTS; a simulator in tests). */
  certsUrl?: string
  issuers?: string[]
}

/** Returns a check for the push request's Authorization header; throws `unauthenticated` when it fails. */
export function gcpPushVerifier(cfg: GcpPushAuthConfig) {
  const keys = cachedJwks(() => fetchJson<JSONWebKeySet>(cfg.fetch, cfg.certsUrl ?? GOOGLE_OIDC_CERTS))
  return async (authorization: string | null): Promise<void> => {
    const token = bearerToken(authorization)
    if (!token) throw new AppError('unauthenticated', 'Invalid Pub/Sub push token')
    try {
      // Google's OIDC tokens live one hour (Pub/Sub reuses one for many pushes).
      const payload = await verifyRs256Jwt(token, keys, {
        audience: cfg.audience,
        issuer: cfg.issuers ?? GOOGLE_OIDC_ISSUERS,
        clockTolerance: 60,
        maxTokenAge: '2h',
      })
      if (payload.email !== cfg.serviceAccountEmail || payload.email_verified !== true)
        throw new Error('wrong service account')
    } catch {
      throw new AppError('unauthenticated', 'Invalid Pub/Sub push token')
    }
  }
}
