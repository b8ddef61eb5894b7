/** Shared types of the Azure front end. */
import type { CallContext, Sim } from '../control/sim'
import type { AzurePrincipal } from '../world/types'

/** An ARM error: `{"error":{"code","message"}}` with an HTTP status. */
export class ArmError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message)
  }
}

export interface ArmRequest {
  sim: Sim
  method: string
  /** Path with `//` collapsed, original casing. */
  path: string
  /** Lower-cased path segments. */
  segs: string[]
  query: URLSearchParams
  body: Buffer
  principal: AzurePrincipal
  origin: string
  call: CallContext
  units: number
}

export interface ArmReply {
  status?: number
  body: unknown
}
