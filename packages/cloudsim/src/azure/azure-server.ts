/**
 * The Azure front end (https): Entra ID authority + ARM + Azure Monitor batch on one origin. ARM checks
 * the bearer token the simulated Entra issued, the principal's access to the subscription, an ARM-like
 * read token bucket (429 + Retry-After), and answers with `x-ms-ratelimit-remaining-*` headers.
 */
import type { IncomingMessage } from 'node:http'
import { randomUUID } from 'node:crypto'
import type { CallContext, Sim } from '../control/sim'
import { json, malform, sleep, type Reply } from '../http'
import { armResources } from './arm-resources'
import { ArmError, type ArmRequest } from './azure-types'
import { costQuery } from './cost-management'
import { jwks, openIdConfiguration, tokenEndpoint } from './entra'
import { metricsBatch, resourceMetrics } from './monitor'

function armError(e: ArmError, extra: Record<string, string> = {}): Reply {
  return json(
    e.status,
    { error: { code: e.code, message: e.message } },
    { 'x-ms-request-id': randomUUID(), 'x-ms-failure-cause': 'gateway', ...e.headers, ...extra },
  )
}

/** Refill-and-take on the ARM read bucket; returns remaining tokens or the seconds to wait. */
function takeRead(sim: Sim, key: string): { remaining: number } | { retryAfter: number } {
  const capacity = sim.limits.armReadBucket
  const rate = capacity / 10
  const now = Date.now()
  const b = sim.armBuckets.get(key) ?? { tokens: capacity, at: now }
  b.tokens = Math.min(capacity, b.tokens + ((now - b.at) / 1000) * rate)
  b.at = now
  sim.armBuckets.set(key, b)
  if (b.tokens < 1) return { retryAfter: Math.max(1, Math.ceil((1 - b.tokens) / rate)) }
  b.tokens -= 1
  return { remaining: Math.floor(b.tokens) }
}

export async function handleAzure(
  sim: Sim,
  req: IncomingMessage,
  url: URL,
  body: Buffer,
  origin: string,
): Promise<Reply> {
  const method = req.method ?? 'GET'
  // Resource ids that start with '/' make the SDKs send '//subscriptions/…'.
  const path = url.pathname.replace(/\/{2,}/g, '/').replace(/\/$/, '') || '/'
  const segs = path
    .split('/')
    .filter(Boolean)
    .map((s) => decodeURIComponent(s).toLowerCase())
  sim.world.advance()

  // ---- Entra ID -----------------------------------------------------------------------------
  const tenant = segs[0] ?? ''
  if (
    segs.length === 4 &&
    segs[1] === 'v2.0' &&
    segs[2] === '.well-known' &&
    segs[3] === 'openid-configuration'
  )
    return openIdConfiguration(sim, tenant, origin)
  if (segs.length === 4 && segs[1] === 'discovery' && segs[2] === 'v2.0' && segs[3] === 'keys') return jwks()
  if (
    segs.length === 4 &&
    segs[1] === 'oauth2' &&
    segs[2] === 'v2.0' &&
    segs[3] === 'token' &&
    method === 'POST'
  ) {
    const call: CallContext = {
      cloud: 'azure',
      api: 'entra',
      operation: 'Token',
      account: tenant,
      region: 'global',
    }
    const d = sim.decide(call)
    if (d.latencyMs) await sleep(d.latencyMs)
    if (d.action === 'throttle') {
      sim.record(call, { throttled: true })
      return json(
        429,
        {
          error: 'temporarily_unavailable',
          error_description:
            'AADSTS50196: The server terminated an operation because it encountered a client request loop.',
        },
        { 'retry-after': '1' },
      )
    }
    if (d.action === 'error') {
      sim.record(call, { error: true })
      return json(503, {
        error: 'temporarily_unavailable',
        error_description: 'AADSTS90033: A transient error has occurred. Please try again.',
      })
    }
    const reply = tokenEndpoint(sim, tenant, body)
    sim.record(call, { error: reply.status >= 400 })
    return d.action === 'malformed' ? malform(reply) : reply
  }

  // ---- ARM ----------------------------------------------------------------------------------
  const call: CallContext = {
    cloud: 'azure',
    api: 'arm',
    operation: `${method} ${path}`,
    account: segs[0] === 'subscriptions' ? (segs[1] ?? '') : '',
    region: 'global',
  }
  if (!url.searchParams.get('api-version')) {
    sim.record(call, { error: true })
    return armError(
      new ArmError(
        400,
        'MissingApiVersionParameter',
        'The api-version query parameter (?api-version=) is required for all requests.',
      ),
    )
  }
  const auth = req.headers.authorization ?? ''
  if (!auth.startsWith('Bearer ')) {
    sim.record(call, { error: true })
    return armError(
      new ArmError(
        401,
        'AuthenticationFailed',
        "Authentication failed. The 'Authorization' header is missing.",
      ),
      { 'www-authenticate': 'Bearer authorization_uri="https://login.windows.net/", error="invalid_token"' },
    )
  }
  const token = sim.azureTokens.get(auth.slice(7))
  const principal = token ? sim.world.azurePrincipals.get(token.clientId) : undefined
  if (!token || !principal || principal.revoked) {
    sim.record(call, { error: true })
    return armError(new ArmError(401, 'InvalidAuthenticationToken', 'The access token is invalid.'))
  }
  if (token.expiresAt < sim.world.nowMs()) {
    sim.record(call, { error: true })
    return armError(
      new ArmError(
        401,
        'ExpiredAuthenticationToken',
        'The access token expiry UTC time is earlier than current UTC time.',
      ),
    )
  }
  let sub: string | undefined
  if (segs[0] === 'subscriptions' && segs[1]) {
    sub = principal.subscriptionIds.find((s) => s.toLowerCase() === segs[1])
    if (!sub) {
      sim.record(call, { error: true })
      const exists = sim.world.accounts.some(
        (a) => a.cloud === 'azure' && a.nativeIds.some((n) => n.toLowerCase() === segs[1]),
      )
      return exists
        ? armError(
            new ArmError(
              403,
              'AuthorizationFailed',
              `The client '${principal.clientId}' with object id '${principal.clientId}' does not have authorization to perform action 'Microsoft.Resources/subscriptions/read' over scope '/subscriptions/${segs[1]}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
            ),
          )
        : armError(
            new ArmError(404, 'SubscriptionNotFound', `The subscription '${segs[1]}' could not be found.`),
          )
    }
    call.account = sub
  }

  const armReq: ArmRequest = {
    sim,
    method,
    path,
    segs,
    query: url.searchParams,
    body,
    principal,
    origin,
    call,
    units: 0,
  }
  const headers: Record<string, string> = {
    'x-ms-request-id': randomUUID(),
    'x-ms-correlation-request-id': randomUUID(),
  }
  if (method === 'GET') {
    const taken = takeRead(sim, `${sub ?? ''}|${principal.clientId}`)
    if ('retryAfter' in taken) {
      sim.record(call, { throttled: true })
      return armError(
        new ArmError(
          429,
          'SubscriptionRequestsThrottled',
          `Number of 'read' requests for subscription '${sub ?? ''}' actor '${principal.clientId}' exceeded. Please try again after '${taken.retryAfter}' seconds after additional tokens are available.`,
        ),
        { 'retry-after': String(taken.retryAfter), 'x-ms-ratelimit-remaining-subscription-reads': '0' },
      )
    }
    headers['x-ms-ratelimit-remaining-subscription-reads'] = String(taken.remaining)
    headers['x-ms-ratelimit-remaining-subscription-global-reads'] = String(taken.remaining * 64)
  }

  let reply: Reply
  try {
    const r = route(armReq, sub)
    if (!r) throw new ArmError(404, 'InvalidResourceType', `cloudsim does not serve ${method} ${path}`)
    reply = json(r.status ?? 200, r.body, headers)
  } catch (e) {
    const err =
      e instanceof ArmError
        ? e
        : new ArmError(500, 'InternalServerError', e instanceof Error ? e.message : String(e))
    reply = armError(err, headers)
  }
  const d = sim.decide(call)
  if (d.latencyMs) await sleep(d.latencyMs)
  if (d.action === 'throttle') {
    sim.record(call, { throttled: true })
    return armError(
      new ArmError(
        429,
        'TooManyRequests',
        'The request is being throttled as the limit has been reached for operation type - Read.',
      ),
      { 'retry-after': '1', 'x-ms-ratelimit-remaining-subscription-reads': '0' },
    )
  }
  if (d.action === 'error') {
    sim.record(call, { error: true })
    return armError(
      new ArmError(
        503,
        'ServiceUnavailable',
        'The service is temporarily unavailable. Please try again later.',
      ),
    )
  }
  if (d.action === 'deny') {
    sim.record(call, { error: true })
    return armError(
      new ArmError(
        403,
        'AuthorizationFailed',
        `The client '${principal.clientId}' with object id '${principal.clientId}' does not have authorization to perform action '${call.api}/${call.operation}' over scope '${path}' or the scope is invalid.`,
      ),
    )
  }
  sim.record(call, { billableUnits: armReq.units, error: reply.status >= 400 })
  return d.action === 'malformed' ? malform(reply) : reply
}

function route(req: ArmRequest, sub: string | undefined) {
  const s = req.segs
  const metricsAt = s.lastIndexOf('microsoft.insights')
  if (
    req.method === 'GET' &&
    metricsAt > 1 &&
    s[metricsAt - 1] === 'providers' &&
    s[metricsAt + 1] === 'metrics' &&
    s.length === metricsAt + 2
  ) {
    const resourceId = req.path.split('/').slice(0, metricsAt).join('/')
    return resourceMetrics(req, resourceId)
  }
  if (req.method === 'POST' && sub && s.length === 3 && s[2] === 'metrics:getbatch')
    return metricsBatch(req, sub)
  const cmAt = s.indexOf('microsoft.costmanagement')
  if (req.method === 'POST' && sub && cmAt > 0 && s[cmAt + 1] === 'query') {
    const rg = s[2] === 'resourcegroups' ? s[3] : undefined
    return costQuery(req, sub, rg)
  }
  return armResources(req, sub)
}
