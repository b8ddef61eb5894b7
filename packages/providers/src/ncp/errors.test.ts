import { describe, expect, it } from 'vitest'
import { classifyNcpError } from './errors'
import { NcpHttpError } from './http'

const gw = (status: number, code: string, retryAfterMs?: number) =>
  new NcpHttpError(status, code, undefined, 'x', retryAfterMs)
const svc = (status: number, code: string) => new NcpHttpError(status, undefined, code, 'y')

describe('NCP error map', () => {
  it.each([
    [gw(401, '200'), 'credentials_invalid'],
    [gw(401, '210'), 'access_denied'],
    [gw(404, '300'), 'not_found'],
    [gw(429, '400'), 'throttled'],
    [gw(429, '410'), 'throttled'],
    [gw(429, '420'), 'throttled'],
    [gw(503, '500'), 'cloud_unavailable'],
    [gw(504, '510'), 'cloud_unavailable'],
    [gw(500, '900'), 'cloud_unavailable'],
    [gw(400, '100'), 'bad_response'],
    [svc(400, '1101'), 'region_disabled'],
    [svc(400, '1002'), 'bad_response'],
    [new SyntaxError('Unexpected end of JSON input'), 'bad_response'],
    [Object.assign(new Error('fetch failed'), { cause: { code: 'ECONNREFUSED' } }), 'cloud_unavailable'],
    [new DOMException('NCP call timed out after 30000 ms', 'TimeoutError'), 'cloud_unavailable'],
  ])('%o → %s', (e, code) => {
    expect(classifyNcpError(e).code).toBe(code)
  })

  it('keeps Retry-After on throttling and says what to do on a bad key, without echoing request data', () => {
    expect(classifyNcpError(gw(429, '410', 2000)).retryAfterMs).toBe(2000)
    expect(classifyNcpError(gw(401, '200')).message).toMatch(/access key|secret key/)
  })

  it('a rejected timestamp with a measured skew is retried (the client now signs with the gateway clock)', () => {
    const e = new NcpHttpError(401, '200', undefined, 'Authentication Failed', undefined, -361_000)
    expect(classifyNcpError(e)).toMatchObject({ code: 'cloud_unavailable', retryAfterMs: 0 })
    expect(classifyNcpError(e).message).toMatch(/clock is -361 s off/)
  })
})
