/** Google client errors (gax GoogleError with gRPC codes, Gaxios/ApiError with HTTP codes) → our codes. */
import type { ClassifiedError } from '../shared/call'
import { errorMessage, isNetworkError, isParseError, oneLine } from '../shared/call'

interface GoogleLikeError {
  name?: string
  code?: number | string
  status?: number | string
  reason?: string
  message?: string
  errors?: Array<{ reason?: string; message?: string }>
  response?: { status?: number; headers?: unknown }
}

// gRPC status codes (gax ≥ 6 maps REST errors onto them).
const GRPC = {
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
}

export function classifyGcpError(e: unknown): ClassifiedError {
  const err = (e && typeof e === 'object' ? e : {}) as GoogleLikeError
  const msg = oneLine(errorMessage(e))
  const http =
    typeof err.status === 'number'
      ? err.status
      : (err.response?.status ?? (typeof err.code === 'number' && err.code >= 100 ? err.code : undefined))
  const grpc = typeof err.code === 'number' && err.code < 100 ? err.code : undefined
  const reason = err.reason ?? err.errors?.[0]?.reason ?? (typeof err.status === 'string' ? err.status : '')
  if (
    grpc === GRPC.RESOURCE_EXHAUSTED ||
    http === 429 ||
    /rateLimitExceeded|RESOURCE_EXHAUSTED|quotaExceeded/i.test(reason)
  )
    return {
      code: 'throttled',
      message: `Google Cloud throttled the request (${reason || http || 'RESOURCE_EXHAUSTED'})`,
    }
  if (
    grpc === GRPC.UNAUTHENTICATED ||
    http === 401 ||
    /invalid_grant|UNAUTHENTICATED|authError/i.test(reason)
  )
    return {
      code: 'credentials_invalid',
      message: 'Google Cloud rejected the service-account key: it is deleted, disabled or malformed',
    }
  if (
    /SERVICE_DISABLED|accessNotConfigured/i.test(reason) ||
    /has not been used in project|is disabled/i.test(msg)
  )
    return {
      code: 'access_denied',
      message: `A required Google Cloud API is not enabled for the project: ${msg}`,
    }
  if (
    grpc === GRPC.PERMISSION_DENIED ||
    http === 403 ||
    /PERMISSION_DENIED|accessDenied|forbidden/i.test(reason)
  )
    return { code: 'access_denied', message: `Google Cloud denied the request: ${msg}` }
  if (grpc === GRPC.NOT_FOUND || http === 404) return { code: 'not_found', message: `Not found: ${msg}` }
  if (isParseError(e))
    return { code: 'bad_response', message: `Google Cloud returned a malformed response: ${msg}` }
  if (
    grpc === GRPC.UNAVAILABLE ||
    grpc === GRPC.INTERNAL ||
    grpc === GRPC.DEADLINE_EXCEEDED ||
    grpc === GRPC.ABORTED ||
    (http !== undefined && http >= 500) ||
    isNetworkError(e)
  )
    return {
      code: 'cloud_unavailable',
      message: `Google Cloud is unavailable (${reason || http || grpc || 'network error'})`,
    }
  return {
    code: 'bad_response',
    message: `Google Cloud rejected the request (${reason || http || grpc || 'unknown'}): ${msg}`,
  }
}
