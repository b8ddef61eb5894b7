/**
 * The AWS front end: one HTTP endpoint for every service. The caller is identified by the SigV4
 * `Credential=` access key; region and service come from its scope; the operation from `Action`
 * (query protocols), `x-amz-target` (JSON) or the rpc-v2-cbor path. Signatures are not verified.
 */
import type { IncomingHttpHeaders } from 'node:http'
import { Decoder, Encoder } from 'cbor-x'
import type { CallContext, Sim } from '../control/sim'
import { malform, requestId, sleep, type Reply } from '../http'
import { AWS_REGIONS } from '../world/regions'
import type { AwsKey } from '../world/types'
import { AwsError, type AwsHandler, type AwsOutput, type AwsProtocol, type AwsRequest } from './aws-types'
import { CLOUDWATCH_OPERATIONS } from './cloudwatch'
import { CE_OPERATIONS } from './cost-explorer'
import { EC2_OPERATIONS } from './ec2'
import { ENTITLEMENT_OPERATIONS, METERING_OPERATIONS } from './marketplace'
import { RDS_OPERATIONS } from './rds'
import { STS_OPERATIONS } from './sts'
import { TAGGING_OPERATIONS } from './tagging'
import { ec2Response, esc, parseForm, parseSigV4, queryResponse, toQueryXml } from './wire'

interface ServiceDef {
  api: string
  /** IAM action prefix, for AccessDenied messages. */
  iam: string
  ops: Record<string, AwsHandler>
  xmlns?: string
  throttleCode: string
  /** CloudWatch's JSON protocol is "awsQueryCompatible": errors carry x-amzn-query-error. */
  queryCompatible?: boolean
}

const SERVICES: Record<string, ServiceDef> = {
  ec2: { api: 'ec2', iam: 'ec2', ops: EC2_OPERATIONS, throttleCode: 'RequestLimitExceeded' },
  rds: {
    api: 'rds',
    iam: 'rds',
    ops: RDS_OPERATIONS,
    xmlns: 'http://rds.amazonaws.com/doc/2014-10-31/',
    throttleCode: 'Throttling',
  },
  sts: {
    api: 'sts',
    iam: 'sts',
    ops: STS_OPERATIONS,
    xmlns: 'https://sts.amazonaws.com/doc/2011-06-15/',
    throttleCode: 'Throttling',
  },
  GraniteServiceVersion20100801: {
    api: 'cloudwatch',
    iam: 'cloudwatch',
    ops: CLOUDWATCH_OPERATIONS,
    xmlns: 'http://monitoring.amazonaws.com/doc/2010-08-01/',
    throttleCode: 'Throttling',
    queryCompatible: true,
  },
  AWSInsightsIndexService: {
    api: 'ce',
    iam: 'ce',
    ops: CE_OPERATIONS,
    throttleCode: 'LimitExceededException',
  },
  ResourceGroupsTaggingAPI_20170126: {
    api: 'tagging',
    iam: 'tag',
    ops: TAGGING_OPERATIONS,
    throttleCode: 'ThrottledException',
  },
  AWSMPMeteringService: {
    api: 'marketplace-metering',
    iam: 'aws-marketplace',
    ops: METERING_OPERATIONS,
    throttleCode: 'ThrottlingException',
  },
  AWSMPEntitlementService: {
    api: 'marketplace-entitlement',
    iam: 'aws-marketplace',
    ops: ENTITLEMENT_OPERATIONS,
    throttleCode: 'ThrottlingException',
  },
}
/** SigV4 signing name → service for the form-encoded protocols. */
const FORM_SERVICES: Record<string, string> = {
  ec2: 'ec2',
  rds: 'rds',
  sts: 'sts',
  monitoring: 'GraniteServiceVersion20100801',
}

/** CloudWatch's modeled error shapes, by query code (JSON `__type` names). */
const CW_SHAPES: Record<string, string> = {
  InvalidParameterValue: 'InvalidParameterValueException',
  InvalidParameterCombination: 'InvalidParameterCombinationException',
  MissingParameter: 'MissingRequiredParameterException',
  InvalidNextToken: 'InvalidNextToken',
  LimitExceeded: 'LimitExceededFault',
  InternalServiceError: 'InternalServiceFault',
}

const cborEncoder = new Encoder({ useRecords: false, tagUint8Array: false })
const cborDecoder = new Decoder({ useRecords: false })

interface Parsed {
  protocol: AwsProtocol
  service: ServiceDef | undefined
  operation: string
  input: Record<string, unknown>
}

function parseRequest(
  url: string,
  headers: IncomingHttpHeaders,
  body: Buffer,
  signingService: string,
): Parsed {
  const cbor = /^\/service\/([^/]+)\/operation\/([^/?]+)/.exec(url)
  if (cbor) {
    const input = body.length > 0 ? (cborDecoder.decode(body) as Record<string, unknown>) : {}
    return {
      protocol: 'cbor',
      service: SERVICES[cbor[1] ?? ''],
      operation: cbor[2] ?? '',
      input: input ?? {},
    }
  }
  const target = headers['x-amz-target']
  if (typeof target === 'string') {
    const [prefix = '', operation = ''] = target.split('.')
    const ct = String(headers['content-type'] ?? '')
    const input = body.length > 0 ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {}
    return { protocol: ct.includes('1.0') ? 'json10' : 'json11', service: SERVICES[prefix], operation, input }
  }
  const form = parseForm(body.toString('utf8'))
  const operation = typeof form.Action === 'string' ? form.Action : ''
  const svcName = FORM_SERVICES[signingService]
  return {
    protocol: signingService === 'ec2' ? 'ec2' : 'query',
    service: svcName ? SERVICES[svcName] : undefined,
    operation,
    input: form,
  }
}

// ---- serialization --------------------------------------------------------------------------

/**
 * JSON for the awsJson protocols: Dates become epoch seconds. Hand-rolled because a JSON.stringify
 * replacer is called for every value and dominated GetMetricData time; numeric arrays are joined.
 */
export function toAwsJson(v: unknown): string {
  if (v === null || v === undefined) return 'null'
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null'
  if (typeof v === 'string' || typeof v === 'boolean') return JSON.stringify(v)
  if (v instanceof Date) return String(v.getTime() / 1000)
  if (Array.isArray(v)) {
    if (v.length > 0 && v.every((x) => typeof x === 'number' && Number.isFinite(x))) return `[${v.join(',')}]`
    return `[${v.map(toAwsJson).join(',')}]`
  }
  if (typeof v === 'object') {
    const parts: string[] = []
    for (const [k, x] of Object.entries(v))
      if (x !== undefined) parts.push(`${JSON.stringify(k)}:${toAwsJson(x)}`)
    return `{${parts.join(',')}}`
  }
  return 'null'
}

/** The XML of an output for the query protocols (a JSON-only output here is a handler bug). */
function xmlOf(out: AwsOutput): string {
  if ('xml' in out) return out.xml
  if ('data' in out) return toQueryXml(out.data)
  throw new Error('handler returned an awsJson body for an XML protocol')
}

function success(p: Parsed, out: AwsOutput, rid: string): Reply {
  const baseHeaders = { 'x-amzn-requestid': rid }
  switch (p.protocol) {
    case 'ec2':
      return {
        status: 200,
        headers: { ...baseHeaders, 'content-type': 'text/xml;charset=UTF-8' },
        body: ec2Response(p.operation, xmlOf(out), rid),
      }
    case 'query':
      return {
        status: 200,
        headers: { ...baseHeaders, 'content-type': 'text/xml' },
        body: queryResponse(p.operation, p.service?.xmlns ?? '', xmlOf(out), rid),
      }
    case 'json10':
    case 'json11':
      return {
        status: 200,
        headers: {
          ...baseHeaders,
          'content-type': `application/x-amz-json-${p.protocol === 'json10' ? '1.0' : '1.1'}`,
        },
        body: 'json' in out ? out.json : toAwsJson('data' in out ? out.data : {}),
      }
    case 'cbor':
      if ('json' in out) throw new Error('handler returned an awsJson body for rpc-v2-cbor')
      return {
        status: 200,
        headers: { ...baseHeaders, 'content-type': 'application/cbor', 'smithy-protocol': 'rpc-v2-cbor' },
        body: Buffer.from(cborEncoder.encode('data' in out ? out.data : {})),
      }
  }
}

function failure(p: Pick<Parsed, 'protocol' | 'service'>, e: AwsError, rid: string): Reply {
  const baseHeaders: Record<string, string> = { 'x-amzn-requestid': rid }
  switch (p.protocol) {
    case 'ec2':
      return {
        status: e.status,
        headers: { ...baseHeaders, 'content-type': 'text/xml;charset=UTF-8' },
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${esc(e.code)}</Code><Message>${esc(e.message)}</Message></Error></Errors><RequestID>${rid}</RequestID></Response>`,
      }
    case 'query':
      return {
        status: e.status,
        headers: { ...baseHeaders, 'content-type': 'text/xml' },
        body: `<ErrorResponse xmlns="${p.service?.xmlns ?? ''}"><Error><Type>${e.fault}</Type><Code>${esc(e.code)}</Code><Message>${esc(e.message)}</Message></Error><RequestId>${rid}</RequestId></ErrorResponse>`,
      }
    case 'json10':
    case 'json11':
    case 'cbor': {
      const compat = p.service?.queryCompatible === true
      const type = compat ? (CW_SHAPES[e.code] ?? e.code) : e.code
      const headers: Record<string, string> = { ...baseHeaders, 'x-amzn-errortype': type }
      if (compat) headers['x-amzn-query-error'] = `${e.code};${e.fault}`
      if (p.protocol === 'cbor') {
        return {
          status: e.status,
          headers: { ...headers, 'content-type': 'application/cbor', 'smithy-protocol': 'rpc-v2-cbor' },
          body: Buffer.from(
            cborEncoder.encode({
              __type: compat ? `com.amazonaws.cloudwatch#${type}` : type,
              message: e.message,
            }),
          ),
        }
      }
      return {
        status: e.status,
        headers: {
          ...headers,
          'content-type': `application/x-amz-json-${p.protocol === 'json10' ? '1.0' : '1.1'}`,
        },
        body: JSON.stringify({
          __type: compat ? `com.amazonaws.cloudwatch#${type}` : type,
          message: e.message,
        }),
      }
    }
  }
}

/** The authentication error each protocol family answers with. */
function authError(protocol: AwsProtocol, kind: 'invalid' | 'expired'): AwsError {
  if (protocol === 'ec2')
    return new AwsError('AuthFailure', 'AWS was not able to validate the provided access credentials', 401)
  if (protocol === 'query')
    return kind === 'expired'
      ? new AwsError('ExpiredToken', 'The security token included in the request is expired', 403)
      : new AwsError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403)
  return kind === 'expired'
    ? new AwsError('ExpiredTokenException', 'The security token included in the request is expired', 400)
    : new AwsError(
        'UnrecognizedClientException',
        'The security token included in the request is invalid.',
        400,
      )
}

function faultError(p: Parsed, action: 'deny' | 'throttle' | 'error', key: AwsKey): AwsError {
  const svc = p.service
  if (action === 'throttle')
    return new AwsError(
      svc?.throttleCode ?? 'Throttling',
      p.protocol === 'ec2' ? 'Request limit exceeded.' : 'Rate exceeded',
      p.protocol === 'ec2' ? 503 : 400,
    )
  if (action === 'error')
    return p.protocol === 'ec2'
      ? new AwsError('InternalError', 'An internal error has occurred', 500, 'Receiver')
      : new AwsError(
          p.protocol === 'query' ? 'ServiceUnavailable' : 'InternalFailure',
          'The request processing has failed because of an unknown error, exception or failure.',
          p.protocol === 'query' ? 503 : 500,
          'Receiver',
        )
  const msg = `User: ${key.arn} is not authorized to perform: ${svc?.iam ?? 'aws'}:${p.operation}`
  if (p.protocol === 'ec2')
    return new AwsError(
      'UnauthorizedOperation',
      `You are not authorized to perform this operation. ${msg}`,
      403,
    )
  if (p.protocol === 'query') return new AwsError('AccessDenied', msg, 403)
  return new AwsError(svc?.queryCompatible ? 'AccessDenied' : 'AccessDeniedException', msg, 400)
}

export async function handleAws(
  sim: Sim,
  method: string,
  url: string,
  headers: IncomingHttpHeaders,
  body: Buffer,
): Promise<Reply> {
  const rid = requestId()
  const scope = parseSigV4(typeof headers.authorization === 'string' ? headers.authorization : undefined)
  let parsed: Parsed
  try {
    parsed = parseRequest(url, headers, body, scope?.service ?? '')
  } catch {
    return failure(
      { protocol: 'json11', service: undefined },
      new AwsError('SerializationException', 'Could not parse the request body'),
      rid,
    )
  }
  if (method !== 'POST' && parsed.protocol !== 'ec2' && parsed.protocol !== 'query')
    return failure(parsed, new AwsError('UnknownOperationException', 'Only POST is supported'), rid)
  if (!scope)
    return failure(
      parsed,
      new AwsError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403),
      rid,
    )
  sim.world.advance()
  const { service } = parsed
  const handler = service?.ops[parsed.operation]
  const call: CallContext = {
    cloud: 'aws',
    api: service?.api ?? scope.service,
    operation: parsed.operation || '(none)',
    account: '',
    region: scope.region,
  }
  if (!service || !handler) {
    sim.record(call, { error: true })
    const code =
      parsed.protocol === 'ec2' || parsed.protocol === 'query' ? 'InvalidAction' : 'UnknownOperationException'
    return failure(
      parsed,
      new AwsError(code, `The action ${parsed.operation || '(none)'} is not valid for this web service.`),
      rid,
    )
  }

  // Authentication: known, unrevoked key; temporary keys need their session token and must not be expired.
  const key = sim.world.awsKeys.get(scope.accessKeyId)
  const token = headers['x-amz-security-token']
  let authFail: AwsError | undefined
  if (!key || key.revoked) authFail = authError(parsed.protocol, 'invalid')
  else if (key.sessionToken !== undefined && key.sessionToken !== token)
    authFail = authError(parsed.protocol, 'invalid')
  else if (key.expiresAt !== undefined && key.expiresAt < sim.world.nowMs())
    authFail = authError(parsed.protocol, 'expired')
  else {
    const acct = sim.world.account('aws', key.account)
    const info = AWS_REGIONS.find((r) => r.name === scope.region)
    // A call into an opt-in region the account has not enabled fails authentication, as on AWS.
    if (acct && info?.optIn && !acct.regions.includes(scope.region))
      authFail = authError(parsed.protocol, 'invalid')
  }
  if (authFail || !key) {
    sim.record(call, { error: true })
    return failure(parsed, authFail ?? authError(parsed.protocol, 'invalid'), rid)
  }
  call.account = key.account

  const decision = sim.decide(call)
  if (decision.latencyMs > 0) await sleep(decision.latencyMs)
  if (decision.action === 'deny' || decision.action === 'throttle' || decision.action === 'error') {
    sim.record(call, { throttled: decision.action === 'throttle', error: decision.action !== 'throttle' })
    return failure(parsed, faultError(parsed, decision.action, key), rid)
  }

  const req: AwsRequest = {
    sim,
    world: sim.world,
    key,
    account: sim.world.account('aws', key.account),
    accountId: key.account,
    region: scope.region,
    input: parsed.input,
    protocol: parsed.protocol,
    requestId: rid,
    call,
    units: 0,
  }
  try {
    const out = handler(req)
    sim.record(call, { billableUnits: req.units })
    const reply = success(parsed, out, rid)
    return decision.action === 'malformed' ? malform(reply) : reply
  } catch (e) {
    sim.record(call, { error: true })
    if (e instanceof AwsError) return failure(parsed, e, rid)
    return failure(
      parsed,
      new AwsError('InternalFailure', e instanceof Error ? e.message : 'internal error', 500, 'Receiver'),
      rid,
    )
  }
}
