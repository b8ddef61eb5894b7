import { describe, expect, it } from 'vitest'
import { classifyAzureError } from '../azure/errors'
import { classifyGcpError } from '../gcp/errors'

// Error objects shaped like what the SDKs throw (RestError, AuthenticationRequiredError, GoogleError);
// the end-to-end mapping is also exercised against cloudsim in each provider's tests.
const headers = (h: Record<string, string>) => ({ get: (n: string) => h[n.toLowerCase()] })

describe('classifyAzureError', () => {
  it('429 is throttled and honours Retry-After', () => {
    const c = classifyAzureError({
      name: 'RestError',
      statusCode: 429,
      code: 'TooManyRequests',
      response: { headers: headers({ 'retry-after': '7' }) },
    })
    expect(c).toMatchObject({ code: 'throttled', retryAfterMs: 7000 })
  })
  it.each([
    [{ name: 'RestError', statusCode: 403, code: 'AuthorizationFailed' }, 'access_denied'],
    [{ name: 'RestError', statusCode: 401, code: 'InvalidAuthenticationToken' }, 'credentials_invalid'],
    [
      {
        name: 'AuthenticationRequiredError',
        message: 'invalid_client: AADSTS7000215: Invalid client secret provided.',
      },
      'credentials_invalid',
    ],
    [{ name: 'RestError', statusCode: 404, code: 'SubscriptionNotFound' }, 'not_found'],
    [{ name: 'RestError', statusCode: 409, code: 'MissingSubscriptionRegistration' }, 'region_disabled'],
    [{ name: 'RestError', statusCode: 503, code: 'ServiceUnavailable' }, 'cloud_unavailable'],
    [
      {
        name: 'RestError',
        code: 'PARSE_ERROR',
        message: 'Error "Unexpected token" occurred while parsing the response body',
      },
      'bad_response',
    ],
    [{ name: 'RestError', code: 'REQUEST_SEND_ERROR', message: 'connect ECONNREFUSED' }, 'cloud_unavailable'],
  ])('%o → %s', (e, code) => {
    expect(classifyAzureError(e).code).toBe(code)
  })
})

describe('classifyGcpError', () => {
  it.each([
    [{ code: 8, message: '8 RESOURCE_EXHAUSTED: Quota exceeded' }, 'throttled'],
    [{ code: 429, errors: [{ reason: 'rateLimitExceeded' }] }, 'throttled'],
    [{ code: 16, message: '16 UNAUTHENTICATED' }, 'credentials_invalid'],
    [
      { code: 7, message: '7 PERMISSION_DENIED: Permission monitoring.timeSeries.list denied' },
      'access_denied',
    ],
    [
      {
        code: 403,
        errors: [{ reason: 'accessNotConfigured' }],
        message: 'BigQuery API has not been used in project 1 before or it is disabled',
      },
      'access_denied',
    ],
    [{ code: 5, message: '5 NOT_FOUND' }, 'not_found'],
    [{ code: 14, message: '14 UNAVAILABLE' }, 'cloud_unavailable'],
    [new SyntaxError('Unexpected end of JSON input'), 'bad_response'],
  ])('%o → %s', (e, code) => {
    expect(classifyGcpError(e).code).toBe(code)
  })
})
