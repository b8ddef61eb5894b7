/** Azure SDK (core-rest-pipeline RestError, @azure/identity) errors → our cloud error codes. */
import type { ClassifiedError } from '../shared/call'
import { errorMessage, isNetworkError, isParseError, oneLine } from '../shared/call'

interface AzureLikeError {
  name?: string
  code?: string
  statusCode?: number
  message?: string
  response?: { headers?: { get?(name: string): string | undefined } }
  errorResponse?: { error?: string; errorDescription?: string }
}

const CREDENTIALS = new Set([
  'InvalidAuthenticationToken',
  'InvalidAuthenticationTokenTenant',
  'ExpiredAuthenticationToken',
  'AuthenticationFailed',
  'invalid_client',
  'unauthorized_client',
  'invalid_grant',
])
const DENIED = new Set([
  'AuthorizationFailed',
  'LinkedAuthorizationFailed',
  'Forbidden',
  'RBACAccessDenied',
  'InsufficientPermissions',
])
const REGION = new Set([
  'LocationNotAvailableForResourceType',
  'DisallowedLocation',
  'NoRegisteredProviderFound',
  'MissingSubscriptionRegistration',
])
const NOT_FOUND = new Set([
  'SubscriptionNotFound',
  'ResourceNotFound',
  'ResourceGroupNotFound',
  'NotFound',
  'ParentResourceNotFound',
])

export function classifyAzureError(e: unknown): ClassifiedError {
  const err = (e && typeof e === 'object' ? e : {}) as AzureLikeError
  const status = err.statusCode
  const code = err.code ?? err.errorResponse?.error ?? ''
  const msg = oneLine(err.errorResponse?.errorDescription ?? errorMessage(e))
  if (status === 429 || code === 'TooManyRequests' || code === 'SubscriptionRequestsThrottled') {
    const ra = retryAfter(err)
    return {
      code: 'throttled',
      message: `Azure throttled the request (${code || status})`,
      ...(ra !== undefined ? { retryAfterMs: ra } : {}),
    }
  }
  if (
    err.name === 'AuthenticationError' ||
    err.name === 'AuthenticationRequiredError' ||
    err.name === 'CredentialUnavailableError' ||
    CREDENTIALS.has(code) ||
    status === 401 ||
    // MSAL reports token-endpoint refusals in the message: invalid_client, AADSTS7000215 (bad secret),
    // 700016 (unknown app), 90002 (unknown tenant).
    /invalid_client|unauthorized_client|invalid_tenant|AADSTS(7000215|7000222|700016|90002)/.test(
      errorMessage(e),
    )
  )
    return {
      code: 'credentials_invalid',
      message: `Azure rejected the service principal (${code || err.name || status}): check tenant id, client id and that the secret has not expired`,
    }
  if (DENIED.has(code) || status === 403)
    return {
      code: 'access_denied',
      message: `Azure denied the request (${code || status}): ${msg}`,
      details: { azureCode: code },
    }
  if (REGION.has(code))
    return {
      code: 'region_disabled',
      message: `Not available here (${code}): ${msg}`,
      details: { azureCode: code },
    }
  if (NOT_FOUND.has(code) || status === 404)
    return {
      code: 'not_found',
      message: `Not found (${code || status}): ${msg}`,
      details: { azureCode: code },
    }
  if (code === 'PARSE_ERROR' || isParseError(e))
    return { code: 'bad_response', message: `Azure returned a malformed response: ${msg}` }
  if ((status !== undefined && status >= 500) || code === 'REQUEST_SEND_ERROR' || isNetworkError(e))
    return {
      code: 'cloud_unavailable',
      message: `Azure is unavailable (${code || status || 'network error'})`,
    }
  return {
    code: 'bad_response',
    message: `Azure rejected the request (${code || status || err.name || 'unknown'}): ${msg}`,
  }
}

function retryAfter(err: AzureLikeError): number | undefined {
  const h = err.response?.headers?.get?.('retry-after') ?? err.response?.headers?.get?.('x-ms-retry-after-ms')
  if (!h) return undefined
  const n = Number(h)
  if (Number.isFinite(n)) return h === err.response?.headers?.get?.('x-ms-retry-after-ms') ? n : n * 1000
  const d = Date.parse(h)
  return Number.isNaN(d) ? undefined : Math.max(0, d - Date.now())
}
