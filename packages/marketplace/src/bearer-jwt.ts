/**
 * The one JWT check every marketplace edge uses (Azure webhook, Google Pub/Sub push, GCP sign-up token):
 * jose's `jwtVerify` with the algorithm pinned to RS256 — so `alg: none` and HS256-signed-with-our-RSA-
 * public-key (the HS/RS confusion) are refused before any key is looked at — and `exp` and `iat`
 * required, because jose only checks an expiry that is present: a token without `exp` would otherwise be
 * valid forever. `maxTokenAge` bounds a token's age by its `iat` on top of `exp`.
 *
 * Bearer parsing is strict for every caller (`Authorization: Bearer <JWS compact>`, RFC 6750 §2.1): the
 * Azure verifier used to accept a bare token as well, Google's did not; both marketplaces document the
 * `Bearer` scheme, so accepting less-formed headers helped no legitimate sender.
 *
 * Replay: a webhook bearer token is not single-use by design (Pub/Sub caches its OIDC token for up to an
 * hour and sends it with every push; Entra tokens live 60–90 minutes), so replay is bounded by the
 * token's lifetime here and stopped per message by the event-id dedupe (`marketplace_event` unique
 * (source, event_id)) plus re-reading state from the marketplace before acting. The GCP sign-up token
 * is single-use (see `fulfillGcpSignup`).
 */
import { jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose'

export interface JwtRules {
  issuer: string | string[]
  audience: string | string[]
  /** Seconds of clock skew tolerated on exp/nbf/iat. */
  clockTolerance: number
  /** Oldest acceptable `iat`, e.g. '2h'. */
  maxTokenAge: string
  /** Claims required on top of exp and iat. */
  requiredClaims?: string[]
}

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/

/** The token of an `Authorization: Bearer <token>` header, or null (no header, another scheme, a bare token). */
export function bearerToken(authorization: string | null | undefined): string | null {
  const m = /^Bearer ([^\s]+)$/i.exec(authorization?.trim() ?? '')
  return m && COMPACT_JWS.test(m[1]!) ? m[1]! : null
}

/** Verifies an RS256 JWT under `rules`; throws jose's error (callers turn every failure into one generic 4xx). */
export async function verifyRs256Jwt(
  token: string,
  keys: JWTVerifyGetKey,
  rules: JwtRules,
): Promise<JWTPayload> {
  const { payload } = await jwtVerify(token, keys, {
    algorithms: ['RS256'],
    issuer: rules.issuer,
    audience: rules.audience,
    clockTolerance: rules.clockTolerance,
    maxTokenAge: rules.maxTokenAge,
    requiredClaims: ['exp', 'iat', ...(rules.requiredClaims ?? [])],
  })
  return payload
}
