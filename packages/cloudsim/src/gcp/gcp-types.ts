/** Shared types of the GCP front end. */
import type { CallContext, Sim } from '../control/sim'
import type { GcpServiceAccount } from '../world/types'

/** A Google API error: `{"error":{"code","message","status","errors":[…]}}`. */
export class GcpError extends Error {
  constructor(
    readonly code: number,
    readonly status: string,
    message: string,
    readonly reason = status.toLowerCase(),
  ) {
    super(message)
  }
}

export interface GcpRequest {
  sim: Sim
  method: string
  path: string
  query: URLSearchParams
  body: Buffer
  project: string
  sa: GcpServiceAccount
  call: CallContext
  units: number
}

export function gcpErrorBody(e: GcpError): unknown {
  return {
    error: {
      code: e.code,
      message: e.message,
      status: e.status,
      errors: [{ message: e.message, domain: 'global', reason: e.reason }],
    },
  }
}

/** GCP list paging: pageSize/maxResults or the configured page size; pageToken is an offset. */
export function gcpPage<T>(
  req: GcpRequest,
  items: T[],
  sizeParam: string,
): { items: T[]; nextPageToken?: string } {
  const size = Number(req.query.get(sizeParam) ?? '') || req.sim.limits.gcpPageSize
  const token = req.query.get('pageToken')
  const offset = token ? Number(Buffer.from(token, 'base64url').toString('utf8')) : 0
  if (Number.isNaN(offset)) throw new GcpError(400, 'INVALID_ARGUMENT', 'Invalid page token.', 'invalid')
  const slice = items.slice(offset, offset + size)
  return offset + size < items.length
    ? { items: slice, nextPageToken: Buffer.from(String(offset + size)).toString('base64url') }
    : { items: slice }
}
