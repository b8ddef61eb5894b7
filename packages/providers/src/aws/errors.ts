/** AWS SDK v3 errors → our cloud error codes, with a message the user can act on. */
import type { ClassifiedError } from '../shared/call'
import { errorMessage, isNetworkError, isParseError, oneLine } from '../shared/call'

const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'LimitExceededException', // Cost Explorer's throttling answer
  'SlowDown',
  'PriorRequestNotComplete',
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
])
const CREDENTIALS = new Set([
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'InvalidSignatureException',
  'AuthFailure',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidAccessKeyId',
  'InvalidToken',
  'MissingAuthenticationToken',
])
const DENIED = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'UnauthorizedException',
  'Forbidden',
  'AuthorizationError',
])
const REGION = new Set(['OptInRequired', 'RegionDisabledException', 'InvalidRegion'])
const UNAVAILABLE = new Set([
  'InternalError',
  'InternalFailure',
  'InternalServiceError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'Unavailable',
  'InternalServerError',
])

interface AwsLikeError {
  name?: string
  Code?: string
  message?: string
  $fault?: 'client' | 'server'
  $metadata?: { httpStatusCode?: number }
}

export function classifyAwsError(e: unknown): ClassifiedError {
  const err = (e && typeof e === 'object' ? e : {}) as AwsLikeError
  const name = err.Code ?? err.name ?? ''
  const status = err.$metadata?.httpStatusCode
  const msg = oneLine(errorMessage(e))
  if (THROTTLING.has(name) || status === 429)
    return {
      code: 'throttled',
      message: `AWS throttled the request (${name || status}); retried with backoff`,
    }
  if (CREDENTIALS.has(name))
    return {
      code: 'credentials_invalid',
      message: `AWS rejected the credentials (${name}): the access key is unknown, revoked or expired`,
      details: { awsCode: name },
    }
  if (DENIED.has(name))
    return {
      code: 'access_denied',
      message: `AWS denied the request (${name}): ${msg}`,
      details: { awsCode: name },
    }
  if (REGION.has(name))
    return {
      code: 'region_disabled',
      message: `The region is not enabled for this account (${name})`,
      details: { awsCode: name },
    }
  if (/NotFound|NoSuchEntity/.test(name))
    return { code: 'not_found', message: `Not found (${name}): ${msg}`, details: { awsCode: name } }
  if (UNAVAILABLE.has(name) || (status !== undefined && status >= 500) || isNetworkError(e))
    return { code: 'cloud_unavailable', message: `AWS is unavailable (${name || status || 'network error'})` }
  if (isParseError(e) || (status !== undefined && status < 300))
    return { code: 'bad_response', message: `AWS returned a malformed response: ${msg}` }
  // Any other client error means the cloud refused a request it should have accepted.
  return {
    code: 'bad_response',
    message: `AWS rejected the request (${name || status || 'unknown'}): ${msg}`,
    details: { awsCode: name },
  }
}
