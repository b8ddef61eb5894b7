/**
 * NCP errors → our cloud codes. Two layers answer: the API Gateway (`{"error":{"errorCode",…}}`,
 * api.ncloud-docs.com "오류 처리": 401/200 Authentication Failed, 401/210 Permission Denied, 404/300 Not
 * Found, 429/400 Quota Exceeded, 429/410 Throttle Limited, 429/420 Rate Limited, 503/500 Endpoint
 * Error, 504/510 Endpoint Timeout, 500/900 Unexpected Error) and the service behind it
 * (`{"responseError":{"returnCode","returnMessage"}}`).
 */
import type { ClassifiedError } from '../shared/call'
import { errorMessage, isNetworkError, isParseError, oneLine } from '../shared/call'
import { NcpHttpError } from './http'

const GW_THROTTLED = new Set(['400', '410', '420'])
const GW_UNAVAILABLE = new Set(['500', '510', '900'])

/**
 * Service returnCodes with a meaning we act on. VPC-platform APIs answer a region the account cannot
 * use, or a product not subscribed, with a 400 and one of these (see docs/ncp-wire.md).
 */
const SVC_REGION = new Set(['1101', '1102', 'REGION_NOT_AVAILABLE'])
const SVC_DENIED = new Set(['800', '801', '1300'])
const SVC_NOT_FOUND = new Set(['1001', '404'])

export function classifyNcpError(e: unknown): ClassifiedError {
  if (e instanceof NcpHttpError) return classifyHttp(e)
  const msg = oneLine(errorMessage(e))
  if (isParseError(e)) return { code: 'bad_response', message: `NCP returned a malformed response: ${msg}` }
  if (isNetworkError(e)) return { code: 'cloud_unavailable', message: `NCP is unreachable (${msg})` }
  return { code: 'bad_response', message: `Unexpected NCP client error: ${msg}` }
}

function classifyHttp(e: NcpHttpError): ClassifiedError {
  const { status, errorCode: gw, returnCode: svc } = e
  const msg = oneLine(e.message)
  const details = {
    ncpStatus: status,
    ...(gw ? { ncpErrorCode: gw } : {}),
    ...(svc ? { ncpReturnCode: svc } : {}),
  }
  if (e.clockSkewMs !== undefined)
    // The client now signs with the gateway's time; the runner's retry goes out corrected.
    return {
      code: 'cloud_unavailable',
      message: `NCP rejected the request timestamp: this host's clock is ${Math.round(e.clockSkewMs / 1000)} s off the gateway's (corrected, retrying)`,
      retryAfterMs: 0,
      details,
    }
  if (status === 429 || (gw && GW_THROTTLED.has(gw)))
    return {
      code: 'throttled',
      message: `NCP throttled the request (${gw ?? status}: ${msg}); retried with backoff`,
      ...(e.retryAfterMs !== undefined ? { retryAfterMs: e.retryAfterMs } : {}),
      details,
    }
  if (status === 401 && gw === '210')
    return { code: 'access_denied', message: `NCP denied the request (Permission Denied): ${msg}`, details }
  if (status === 401)
    return {
      code: 'credentials_invalid',
      message:
        'NCP rejected the API key (Authentication Failed): the access key is unknown, disabled or deleted, or the secret key is wrong',
      details,
    }
  if (status === 403 || (svc && SVC_DENIED.has(svc)))
    return { code: 'access_denied', message: `NCP denied the request: ${msg}`, details }
  if (svc && SVC_REGION.has(svc))
    return {
      code: 'region_disabled',
      message: `The region is not available to this account: ${msg}`,
      details,
    }
  if (status === 404 || gw === '300' || (svc && SVC_NOT_FOUND.has(svc)))
    return { code: 'not_found', message: `Not found: ${msg}`, details }
  if (status >= 500 || (gw && GW_UNAVAILABLE.has(gw)))
    return { code: 'cloud_unavailable', message: `NCP is unavailable (${gw ?? status}: ${msg})`, details }
  return {
    code: 'bad_response',
    message: `NCP rejected the request (${svc ?? gw ?? status}): ${msg}`,
    details,
  }
}
