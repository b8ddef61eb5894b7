/** Shared types of the AWS front end: protocols, errors, and the operation handler signature. */
import type { CallContext, Sim } from '../control/sim'
import type { AwsKey, SimAccount } from '../world/types'
import type { World } from '../world/world'
import type { QueryValue } from './wire'

export type AwsProtocol = 'ec2' | 'query' | 'json10' | 'json11' | 'cbor'

/** A service error as AWS returns it: query code, HTTP status, fault side. */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    readonly fault: 'Sender' | 'Receiver' = 'Sender',
  ) {
    super(message)
  }
}

export interface AwsRequest {
  sim: Sim
  world: World
  key: AwsKey
  account: SimAccount | undefined
  /** Native account id of the caller. */
  accountId: string
  region: string
  input: Record<string, unknown>
  protocol: AwsProtocol
  requestId: string
  call: CallContext
  /** Billable units of this call (set by handlers, e.g. metrics requested). */
  units: number
}

/**
 * XML for ec2/query handlers that render their own elements, data for the generic serializers, or a
 * finished awsJson body (a hot path that writes its own bytes; only when the request is JSON).
 */
export type AwsOutput = { xml: string } | { data: Record<string, QueryValue> } | { json: Buffer }

export type AwsHandler = (req: AwsRequest) => AwsOutput
