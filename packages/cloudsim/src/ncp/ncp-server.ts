/**
 * The NCP front end: one http origin standing in for the three API Gateway hosts (ncloud, cw,
 * billingapi), routed on the path prefix. Every request must carry a valid signature v2 from a known,
 * unrevoked access key, with a timestamp within 5 minutes of real time (docs/ncp-wire.md §2).
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import type { CallContext, Sim } from '../control/sim'
import { json, malform, sleep, type Reply } from '../http'
import type { NcpKey } from '../world/types'
import { getContractDemandCostList, getDemandCostList, getProductDemandCostList } from './billing'
import { getSystemSchemaKeyList, queryData, queryDataMultiple } from './cloud-insight'
import {
  getCloudMysqlInstanceList,
  getNatGatewayInstanceList,
  getRegionList,
  getServerInstanceList,
  getVpcList,
  requestRegion,
} from './inventory'
import {
  AUTH_FAILED,
  ENDPOINT_ERROR,
  NcpGatewayError,
  NcpServiceError,
  NOT_FOUND,
  PERMISSION_DENIED,
  THROTTLED,
  type NcpRequest,
} from './ncp-types'

/** More than this between the signed timestamp and the gateway's clock is rejected. */
export const TIMESTAMP_WINDOW_MS = 5 * 60_000

interface Route {
  api: string
  operation: string
  methods: readonly string[]
  /** Inventory listings are per region; Cloud Insight and billing are account-wide. */
  regional: boolean
  /** Takes responseFormatType=json (the vserver/vpc/vmysql/billing APIs; Cloud Insight is JSON only). */
  formatParam: boolean
  run: (req: NcpRequest) => unknown
}

const GP = ['GET', 'POST'] as const
const inv = (api: string, operation: string, run: Route['run'], regional = true): Route => ({
  api,
  operation,
  methods: GP,
  regional,
  formatParam: true,
  run,
})

const ROUTES: Record<string, Route> = {
  '/vserver/v2/getRegionList': inv('ncp.vserver', 'getRegionList', getRegionList, false),
  '/vserver/v2/getServerInstanceList': inv('ncp.vserver', 'getServerInstanceList', getServerInstanceList),
  '/vpc/v2/getVpcList': inv('ncp.vpc', 'getVpcList', getVpcList),
  '/vpc/v2/getNatGatewayInstanceList': inv('ncp.vpc', 'getNatGatewayInstanceList', getNatGatewayInstanceList),
  '/vmysql/v2/getCloudMysqlInstanceList': inv(
    'ncp.vmysql',
    'getCloudMysqlInstanceList',
    getCloudMysqlInstanceList,
  ),
  '/billing/v1/cost/getDemandCostList': inv('ncp.billing', 'getDemandCostList', getDemandCostList, false),
  '/billing/v1/cost/getProductDemandCostList': inv(
    'ncp.billing',
    'getProductDemandCostList',
    getProductDemandCostList,
    false,
  ),
  '/billing/v1/cost/getContractDemandCostList': inv(
    'ncp.billing',
    'getContractDemandCostList',
    getContractDemandCostList,
    false,
  ),
  '/cw_fea/real/cw/api/schema/system/list': {
    api: 'ncp.cloudinsight',
    operation: 'GetSystemSchemaKeyList',
    methods: ['GET'],
    regional: false,
    formatParam: false,
    run: getSystemSchemaKeyList,
  },
  '/cw_fea/real/cw/api/data/query': {
    api: 'ncp.cloudinsight',
    operation: 'QueryData',
    methods: ['POST'],
    regional: false,
    formatParam: false,
    run: queryData,
  },
  '/cw_fea/real/cw/api/data/query/multiple': {
    api: 'ncp.cloudinsight',
    operation: 'QueryDataMultiple',
    methods: ['POST'],
    regional: false,
    formatParam: false,
    run: queryDataMultiple,
  },
}

function header(h: IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name]
  return Array.isArray(v) ? v[0] : v
}

/** The signature v2 of a request: Base64(HMAC-SHA256(secret, METHOD " " pathWithQuery "\n" ts "\n" key)). */
export function ncpSignature(
  secretKey: string,
  method: string,
  pathWithQuery: string,
  timestamp: string,
  accessKey: string,
): string {
  return createHmac('sha256', secretKey)
    .update(`${method} ${pathWithQuery}\n${timestamp}\n${accessKey}`)
    .digest('base64')
}

/** Checks the three headers; the window is against the machine's real clock, as the client signs with it. */
function authenticate(sim: Sim, method: string, rawUrl: string, h: IncomingHttpHeaders): NcpKey {
  const ts = header(h, 'x-ncp-apigw-timestamp')
  const accessKey = header(h, 'x-ncp-iam-access-key')
  const signature = header(h, 'x-ncp-apigw-signature-v2')
  if (!ts || !accessKey || !signature) throw AUTH_FAILED('Invalid authentication information.')
  const key = sim.world.ncpKeys.get(accessKey)
  if (!key || key.revoked) throw AUTH_FAILED('Invalid authentication information.')
  const t = Number(ts)
  if (!/^\d+$/.test(ts) || Math.abs(Date.now() - t) > TIMESTAMP_WINDOW_MS)
    throw AUTH_FAILED('The request timestamp is out of the allowed range (±5 minutes).')
  const want = Buffer.from(ncpSignature(key.secretKey, method, rawUrl, ts, accessKey))
  const got = Buffer.from(signature)
  if (want.length !== got.length || !timingSafeEqual(want, got))
    throw AUTH_FAILED('Invalid authentication information.')
  return key
}

function errorReply(e: unknown): Reply {
  if (e instanceof NcpGatewayError || e instanceof NcpServiceError) return e.reply()
  return new NcpGatewayError(
    500,
    '900',
    'Unexpected Error',
    e instanceof Error ? e.message : String(e),
  ).reply()
}

export async function handleNcp(
  sim: Sim,
  method: string,
  rawUrl: string,
  headers: IncomingHttpHeaders,
  body: Buffer,
): Promise<Reply> {
  sim.world.advance()
  const url = new URL(`http://x${rawUrl.replace(/^\/+/, '/')}`)
  const r = ROUTES[url.pathname.replace(/\/+$/, '')]
  const call: CallContext = {
    cloud: 'ncp',
    api: r?.api ?? 'ncp',
    operation: r?.operation ?? `${method} ${url.pathname}`,
    account: '',
    region: 'global',
  }
  let key: NcpKey
  try {
    // The gateway authenticates before it looks at the route (an unsigned probe of any path is a 401).
    key = authenticate(sim, method, rawUrl, headers)
  } catch (e) {
    sim.record(call, { error: true })
    return errorReply(e)
  }
  call.account = key.account
  if (!r || !r.methods.includes(method)) {
    sim.record(call, { error: true })
    return NOT_FOUND(`cloudsim does not serve ${method} ${url.pathname}`).reply()
  }
  const req: NcpRequest = { sim, key, account: key.account, query: url.searchParams, body, call, units: 0 }
  let reply: Reply
  try {
    if (r.regional) call.region = requestRegion(url.searchParams)
    if (r.formatParam && url.searchParams.get('responseFormatType') !== 'json')
      throw new NcpServiceError(
        '1002',
        'cloudsim answers only responseFormatType=json (the real API would answer XML).',
      )
    reply = json(200, r.run(req))
  } catch (e) {
    reply = errorReply(e)
  }
  const d = sim.decide(call)
  if (d.latencyMs) await sleep(d.latencyMs)
  if (d.action === 'throttle') {
    sim.record(call, { throttled: true })
    return THROTTLED().reply()
  }
  if (d.action === 'error') {
    sim.record(call, { error: true })
    return ENDPOINT_ERROR().reply()
  }
  if (d.action === 'deny') {
    sim.record(call, { error: true })
    return PERMISSION_DENIED().reply()
  }
  sim.record(call, { billableUnits: req.units, error: reply.status >= 400 })
  return d.action === 'malformed' ? malform(reply) : reply
}
