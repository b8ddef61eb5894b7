/**
 * The GCP front end (http, REST as the Node clients send it): Monitoring v3, Compute v1, Cloud SQL
 * Admin v1 and BigQuery v2 on one origin. Bearer tokens must be the self-signed service-account JWTs
 * google-auth-library produces (RS256, kid = private_key_id), verified with the simulated account's
 * public key and bound to its projects.
 */
import type { IncomingMessage } from 'node:http'
import { decodeProtectedHeader, importSPKI, jwtVerify, type CryptoKey } from 'jose'
import type { CallContext, Sim } from '../control/sim'
import { json, malform, sleep, type Reply } from '../http'
import type { GcpServiceAccount } from '../world/types'
import { getQueryResults, jobsQuery } from './bigquery'
import { aggregatedInstances, networks, regions, sqlInstances } from './compute-sql'
import { GcpError, gcpErrorBody, type GcpRequest } from './gcp-types'
import { listMetricDescriptors, listTimeSeries } from './monitoring'

const keyCache = new Map<string, Promise<CryptoKey>>()

function publicKey(sa: GcpServiceAccount): Promise<CryptoKey> {
  let k = keyCache.get(sa.privateKeyId)
  if (!k) {
    k = importSPKI(sa.publicKeyPem, 'RS256')
    keyCache.set(sa.privateKeyId, k)
  }
  return k
}

const UNAUTHENTICATED =
  'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.'

async function authenticate(sim: Sim, header: string | undefined): Promise<GcpServiceAccount> {
  if (!header?.startsWith('Bearer '))
    throw new GcpError(401, 'UNAUTHENTICATED', UNAUTHENTICATED, 'CREDENTIALS_MISSING')
  const token = header.slice(7)
  let kid: string | undefined
  try {
    kid = decodeProtectedHeader(token).kid
  } catch {
    throw new GcpError(401, 'UNAUTHENTICATED', UNAUTHENTICATED, 'ACCESS_TOKEN_TYPE_UNSUPPORTED')
  }
  const sa = kid ? sim.world.gcpServiceAccounts.get(kid) : undefined
  if (!sa || sa.revoked)
    throw new GcpError(401, 'UNAUTHENTICATED', UNAUTHENTICATED, 'ACCESS_TOKEN_TYPE_UNSUPPORTED')
  try {
    // Real clock: google-auth-library signs with the machine's time, not the simulated one.
    const { payload } = await jwtVerify(token, await publicKey(sa), {
      algorithms: ['RS256'],
      clockTolerance: 300,
    })
    if (payload.iss !== sa.clientEmail) throw new Error('issuer')
  } catch {
    throw new GcpError(401, 'UNAUTHENTICATED', UNAUTHENTICATED, 'ACCESS_TOKEN_EXPIRED')
  }
  return sa
}

type Route = (req: GcpRequest) => unknown

function route(
  method: string,
  path: string,
): { project: string; api: string; permission: string; run: Route } | undefined {
  let m: RegExpExecArray | null
  if (method === 'GET' && (m = /^\/v3\/projects\/([^/]+)\/timeSeries$/.exec(path)))
    return {
      project: m[1] ?? '',
      api: 'gcp.monitoring',
      permission: 'monitoring.timeSeries.list',
      run: listTimeSeries,
    }
  if (method === 'GET' && (m = /^\/v3\/projects\/([^/]+)\/metricDescriptors$/.exec(path)))
    return {
      project: m[1] ?? '',
      api: 'gcp.monitoring',
      permission: 'monitoring.metricDescriptors.list',
      run: listMetricDescriptors,
    }
  if (method === 'GET' && (m = /^\/compute\/v1\/projects\/([^/]+)\/aggregated\/instances$/.exec(path)))
    return {
      project: m[1] ?? '',
      api: 'gcp.compute',
      permission: 'compute.instances.list',
      run: aggregatedInstances,
    }
  if (method === 'GET' && (m = /^\/compute\/v1\/projects\/([^/]+)\/global\/networks$/.exec(path)))
    return { project: m[1] ?? '', api: 'gcp.compute', permission: 'compute.networks.list', run: networks }
  if (method === 'GET' && (m = /^\/compute\/v1\/projects\/([^/]+)\/regions$/.exec(path)))
    return { project: m[1] ?? '', api: 'gcp.compute', permission: 'compute.regions.list', run: regions }
  if (method === 'GET' && (m = /^\/(?:sql\/v1beta4|v1)\/projects\/([^/]+)\/instances$/.exec(path)))
    return { project: m[1] ?? '', api: 'gcp.sql', permission: 'cloudsql.instances.list', run: sqlInstances }
  if (method === 'POST' && (m = /^\/bigquery\/v2\/projects\/([^/]+)\/queries$/.exec(path)))
    return { project: m[1] ?? '', api: 'gcp.bigquery', permission: 'bigquery.jobs.create', run: jobsQuery }
  if (method === 'GET' && (m = /^\/bigquery\/v2\/projects\/([^/]+)\/queries\/([^/]+)$/.exec(path))) {
    const jobId = decodeURIComponent(m[2] ?? '')
    return {
      project: m[1] ?? '',
      api: 'gcp.bigquery',
      permission: 'bigquery.jobs.get',
      run: (req) => getQueryResults(req, jobId),
    }
  }
  return undefined
}

export async function handleGcp(
  sim: Sim,
  req: IncomingMessage,
  url: URL,
  body: Buffer,
  _origin: string,
): Promise<Reply> {
  const method = req.method ?? 'GET'
  const path = url.pathname.replace(/\/{2,}/g, '/')
  sim.world.advance()
  const r = route(method, path)
  const project = r ? decodeURIComponent(r.project) : ''
  const call: CallContext = {
    cloud: 'gcp',
    api: r?.api ?? 'gcp',
    operation: r?.permission ?? `${method} ${path}`,
    account: project,
    region: 'global',
  }
  const fail = (e: GcpError): Reply => json(e.code, gcpErrorBody(e))
  if (!r) {
    sim.record(call, { error: true })
    return fail(new GcpError(404, 'NOT_FOUND', `cloudsim does not serve ${method} ${path}`, 'notFound'))
  }
  let sa: GcpServiceAccount
  try {
    sa = await authenticate(sim, req.headers.authorization)
  } catch (e) {
    sim.record(call, { error: true })
    return fail(e as GcpError)
  }
  if (!sa.projectIds.includes(project)) {
    sim.record(call, { error: true })
    return fail(
      new GcpError(
        403,
        'PERMISSION_DENIED',
        `Permission '${r.permission}' denied on resource 'projects/${project}' (or it may not exist).`,
        'forbidden',
      ),
    )
  }
  const gr: GcpRequest = { sim, method, path, query: url.searchParams, body, project, sa, call, units: 0 }
  let reply: Reply
  try {
    reply = json(200, r.run(gr))
  } catch (e) {
    reply = fail(
      e instanceof GcpError
        ? e
        : new GcpError(500, 'INTERNAL', e instanceof Error ? e.message : String(e), 'backendError'),
    )
  }
  const d = sim.decide(call)
  if (d.latencyMs) await sleep(d.latencyMs)
  if (d.action === 'throttle') {
    sim.record(call, { throttled: true })
    return fail(
      new GcpError(
        429,
        'RESOURCE_EXHAUSTED',
        `Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute' of service '${call.api.slice(4)}.googleapis.com' for consumer 'project_number:${project}'.`,
        'rateLimitExceeded',
      ),
    )
  }
  if (d.action === 'error') {
    sim.record(call, { error: true })
    return fail(new GcpError(503, 'UNAVAILABLE', 'The service is currently unavailable.', 'backendError'))
  }
  if (d.action === 'deny') {
    sim.record(call, { error: true })
    return fail(
      new GcpError(
        403,
        'PERMISSION_DENIED',
        `Permission '${r.permission}' denied on resource 'projects/${project}' (or it may not exist).`,
        'forbidden',
      ),
    )
  }
  sim.record(call, { billableUnits: gr.units, error: reply.status >= 400 })
  return d.action === 'malformed' ? malform(reply) : reply
}
