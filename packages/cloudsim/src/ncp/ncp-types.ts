/**
 * Shapes shared by the NCP front end: the two error layers (API Gateway, service) and the request
 * context each handler gets. Wire facts and their sources: docs/ncp-wire.md.
 */
import type { CallContext, Sim } from '../control/sim'
import { json, requestId, type Reply } from '../http'
import type { NcpKey, SimResource } from '../world/types'

/** An API Gateway answer: `{"error":{"errorCode","message","details"}}` (ncp-wire.md §3). */
export class NcpGatewayError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly details?: string,
  ) {
    super(message)
  }
  reply(): Reply {
    return json(this.status, {
      error: {
        errorCode: this.errorCode,
        message: this.message,
        ...(this.details ? { details: this.details } : {}),
      },
    })
  }
}

/** A service answer behind the gateway: HTTP 400 `{"responseError":{"returnCode","returnMessage"}}`. */
export class NcpServiceError extends Error {
  constructor(
    readonly returnCode: string,
    message: string,
    readonly status = 400,
  ) {
    super(message)
  }
  reply(): Reply {
    return json(this.status, { responseError: { returnCode: this.returnCode, returnMessage: this.message } })
  }
}

export const AUTH_FAILED = (details: string) =>
  new NcpGatewayError(401, '200', 'Authentication Failed', details)
export const PERMISSION_DENIED = () =>
  new NcpGatewayError(401, '210', 'Permission Denied', 'You have no permission for this API.')
export const NOT_FOUND = (what: string) => new NcpGatewayError(404, '300', 'Not Found Exception', what)
export const THROTTLED = () =>
  new NcpGatewayError(429, '410', 'Throttle Limited', 'You have exceeded the request rate limit.')
export const ENDPOINT_ERROR = () =>
  new NcpGatewayError(503, '500', 'Endpoint Error', 'The endpoint is temporarily unavailable.')
/** Cloud Insight rejects a query body with a gateway-style 400 (sim choice, ncp-wire.md §3). */
export const CI_BAD_REQUEST = (details: string) => new NcpGatewayError(400, '400', 'Bad Request', details)

export interface NcpRequest {
  sim: Sim
  key: NcpKey
  /** memberNo of the caller. */
  account: string
  query: URLSearchParams
  body: Buffer
  call: CallContext
  /** Billable units the handler served (Cloud Insight conditions). */
  units: number
}

/** NCP's CommonCode. */
export function code(c: string, codeName: string): { code: string; codeName: string } {
  return { code: c, codeName }
}

/** NCP dates: KST with a colon-less offset, `2026-12-01T10:48:06+0900` (ncp-wire.md §4). */
export function ncpDate(epochSec: number): string {
  return `${new Date((epochSec + 9 * 3600) * 1000).toISOString().slice(0, 19)}+0900`
}

/** `{"<action>Response":{…, requestId, returnCode, returnMessage}}`. */
export function envelope(action: string, fields: Record<string, unknown>): Record<string, unknown> {
  return {
    [`${action}Response`]: { ...fields, requestId: requestId(), returnCode: '0', returnMessage: 'success' },
  }
}

/**
 * pageNo (1-based; 0 reads as 1) / pageSize paging with the total in totalRows; no pageSize = all rows
 * (ncp-wire.md §4).
 */
export function page<T>(rows: T[], q: URLSearchParams): { totalRows: number; rows: T[] } {
  const sizeRaw = q.get('pageSize')
  const noRaw = q.get('pageNo')
  if (sizeRaw === null || sizeRaw === '') return { totalRows: rows.length, rows }
  const size = Number(sizeRaw)
  const no = noRaw === null || noRaw === '' ? 1 : Number(noRaw)
  if (!Number.isInteger(size) || size < 1) throw new NcpServiceError('1002', `Invalid pageSize: ${sizeRaw}`)
  if (!Number.isInteger(no) || no < 0) throw new NcpServiceError('1002', `Invalid pageNo: ${noRaw ?? ''}`)
  const start = (Math.max(1, no) - 1) * size
  return { totalRows: rows.length, rows: rows.slice(start, start + size) }
}

/** Values of `name.1`, `name.2`, … (NCP's list parameters). */
export function listParam(q: URLSearchParams, name: string): string[] {
  const out: string[] = []
  for (const [k, v] of q) if (k.startsWith(`${name}.`) && /^\d+$/.test(k.slice(name.length + 1))) out.push(v)
  return out
}

/** How long a terminated instance stays listed (while its termination operation runs). */
export const TERMINATED_VISIBLE_SECONDS = 3600

export type NcpListed = { r: SimResource; state: 'pending' | 'running' | 'stopped' | 'terminated' }
