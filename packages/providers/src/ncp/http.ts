/**
 * The one small HTTP client every NCP call uses: Node's fetch, signed per request (signer.ts), a
 * per-call timeout and the caller's AbortSignal. No retries here — the CallRunner retries, throttles
 * and counts every attempt (README "Invariants"), so a retried request is always a counted request.
 *
 * Errors become `NcpHttpError` with what the gateway or the service said (status, gateway errorCode,
 * service returnCode); errors.ts maps those to our codes. Bodies are parsed here (a SyntaxError is a
 * malformed answer, retried then `bad_response`); shapes are validated by each lister inside its call.
 */
import type { NcpSite } from '@cms/core'
import { signedHeaders, type NcpKeyPair } from './signer'

/** The three NCP API gateway hosts we talk to. */
export type NcpHost = 'ncloud' | 'cw' | 'billing'

/**
 * Gateway hosts per site. Public and gov are from the API guides (api.ncloud-docs.com,
 * api-gov.ncloud-docs.com: `ncloud.apigw.{ntruss|gov-ntruss}.com`, `cw.apigw.…`, `billingapi.apigw.…`);
 * the financial site's hosts follow the fin guides' `fin-ntruss.com` naming (cw.apigw.fin-ntruss.com is
 * documented; the other two are not shown in the guides we could read — pass `--endpoint` if they differ).
 */
export const NCP_HOSTS: Record<NcpSite, Record<NcpHost, string>> = {
  public: {
    ncloud: 'https://ncloud.apigw.ntruss.com',
    cw: 'https://cw.apigw.ntruss.com',
    billing: 'https://billingapi.apigw.ntruss.com',
  },
  gov: {
    ncloud: 'https://ncloud.apigw.gov-ntruss.com',
    cw: 'https://cw.apigw.gov-ntruss.com',
    billing: 'https://billingapi.apigw.gov-ntruss.com',
  },
  fin: {
    ncloud: 'https://fin-ncloud.apigw.fin-ntruss.com',
    cw: 'https://cw.apigw.fin-ntruss.com',
    billing: 'https://fin-billingapi.apigw.fin-ntruss.com',
  },
}

/** 30 s per call: NCP list calls answer in well under a second; a hung socket must not hold a job. */
export const NCP_CALL_TIMEOUT_MS = 30_000
/** The gateway rejects a timestamp more than 5 minutes off its clock; above 4 we assume that is why. */
const SKEW_SUSPECT_MS = 4 * 60_000

export type QueryValue = string | number | boolean | undefined | readonly (string | number)[]

export interface NcpClientOptions {
  site: NcpSite
  /** One base URL standing in for every gateway host (cloudsim, a proxy); unset → the site's hosts. */
  endpoint?: string
  signal?: AbortSignal
  timeoutMs?: number
  /** Our clock (epoch ms). Injectable so a skewed host can be reproduced. */
  clock?: () => number
}

/** What the gateway or the service answered when it was not a success. */
export class NcpHttpError extends Error {
  override readonly name = 'NcpHttpError'
  constructor(
    readonly status: number,
    /** API Gateway error code (`{"error":{"errorCode":"210",…}}`): 200 auth failed, 210 denied, 300 not found, 400/410/420 quota/throttle, 500/510/900 server. */
    readonly errorCode: string | undefined,
    /** Service error code (`{"responseError":{"returnCode":…}}`) of the VPC-platform APIs. */
    readonly returnCode: string | undefined,
    message: string,
    readonly retryAfterMs?: number,
    /** Set when the gateway refused our timestamp and its Date header showed how far off we are. */
    readonly clockSkewMs?: number,
  ) {
    super(message)
  }
}

/**
 * Clock corrections learned from gateway Date headers, per clock and origin (a handful of entries):
 * the correction belongs to this process's clock, so every client sharing it benefits at once.
 */
const skews = new WeakMap<() => number, Map<string, number>>()
const skewsOf = (clock: () => number) => {
  let m = skews.get(clock)
  if (!m) skews.set(clock, (m = new Map()))
  return m
}

export class NcpClient {
  private readonly keys: NcpKeyPair
  private readonly clock: () => number

  constructor(
    keys: NcpKeyPair,
    private readonly opts: NcpClientOptions,
  ) {
    this.keys = { accessKey: keys.accessKey, secretKey: keys.secretKey }
    this.clock = opts.clock ?? Date.now
  }

  /** Legacy-style NCP API (vserver, vpc, vmysql, billing): GET with query parameters, JSON answer. */
  get(host: NcpHost, path: string, query: Record<string, QueryValue> = {}): Promise<unknown> {
    return this.send(host, 'GET', `${path}?${encodeQuery({ ...query, responseFormatType: 'json' })}`)
  }

  /** JSON-bodied API (Cloud Insight). */
  post(host: NcpHost, path: string, body: unknown): Promise<unknown> {
    return this.send(host, 'POST', path, JSON.stringify(body))
  }

  private async send(host: NcpHost, method: 'GET' | 'POST', pathWithQuery: string, body?: string) {
    const base = (this.opts.endpoint ?? NCP_HOSTS[this.opts.site][host]).replace(/\/+$/, '')
    const url = new URL(base + pathWithQuery)
    const origin = url.origin
    // The gateway signs the path as it receives it (a base URL with a path prefix included).
    const signedPath = url.pathname + url.search
    const sentAt = this.clock() + (skewsOf(this.clock).get(origin) ?? 0)
    const headers: Record<string, string> = {
      ...signedHeaders(this.keys, method, signedPath, sentAt),
      accept: 'application/json',
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      // The financial site's Cloud Insight guide requires its domain code (public default: PUB).
      ...(host === 'cw' && this.opts.site === 'fin' ? { 'x-ncp-dmn_cd': 'FIN' } : {}),
    }
    const { signal, done } = callSignal(this.opts.signal, this.opts.timeoutMs ?? NCP_CALL_TIMEOUT_MS)
    try {
      const res = await fetch(url, { method, headers, ...(body !== undefined ? { body } : {}), signal })
      const text = await res.text()
      if (!res.ok) throw errorOf(res, text, origin, sentAt, this.clock)
      const parsed: unknown = JSON.parse(text)
      const svc = serviceError(parsed)
      if (svc) throw new NcpHttpError(res.status, undefined, svc.code, svc.message)
      return parsed
    } finally {
      done()
    }
  }
}

/** `a=1&b.1=x&b.2=y`: NCP's list parameters are numbered (`regionCodeList.1`); values are percent-encoded. */
export function encodeQuery(query: Record<string, QueryValue>): string {
  const parts: string[] = []
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined) continue
    if (Array.isArray(v)) v.forEach((item, i) => parts.push(`${enc(`${k}.${i + 1}`)}=${enc(String(item))}`))
    else parts.push(`${enc(k)}=${enc(String(v))}`)
  }
  return parts.join('&')
}
const enc = (s: string) => encodeURIComponent(s)

/**
 * The caller's signal plus our timeout, without AbortSignal.timeout/any: those keep their listeners
 * (and the closures holding a response) alive until the timer fires (see README "Memory", GCP).
 */
function callSignal(outer: AbortSignal | undefined, timeoutMs: number) {
  const ac = new AbortController()
  const onAbort = () => ac.abort(outer?.reason)
  if (outer?.aborted) ac.abort(outer.reason)
  else outer?.addEventListener('abort', onAbort, { once: true })
  const timer = setTimeout(
    () => ac.abort(new DOMException(`NCP call timed out after ${timeoutMs} ms`, 'TimeoutError')),
    timeoutMs,
  )
  return {
    signal: ac.signal,
    done: () => {
      clearTimeout(timer)
      outer?.removeEventListener('abort', onAbort)
    },
  }
}

function errorOf(res: Response, text: string, origin: string, sentAt: number, clock: () => number) {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    body = undefined
  }
  const gw = gatewayError(body)
  const svc = serviceError(body)
  const retryAfterMs = retryAfter(res.headers.get('retry-after'))
  let clockSkewMs: number | undefined
  if (res.status === 401) {
    // A rejected timestamp looks like any auth failure; the gateway's Date header tells them apart.
    const server = Date.parse(res.headers.get('date') ?? '')
    if (Number.isFinite(server)) {
      const skew = server - clock()
      const sentSkew = server - sentAt
      if (Math.abs(sentSkew) > SKEW_SUSPECT_MS) {
        clockSkewMs = skew
        skewsOf(clock).set(origin, skew)
      }
    }
  }
  const message = gw?.message ?? svc?.message ?? `HTTP ${res.status}`
  return new NcpHttpError(res.status, gw?.code, svc?.code, message, retryAfterMs, clockSkewMs)
}

function gatewayError(body: unknown): { code: string; message: string } | undefined {
  const e = (body as { error?: { errorCode?: unknown; message?: unknown; details?: unknown } } | undefined)
    ?.error
  if (!e || typeof e !== 'object') return undefined
  const details = typeof e.details === 'string' && e.details ? ` (${e.details})` : ''
  return { code: String(e.errorCode ?? ''), message: `${String(e.message ?? 'error')}${details}` }
}

function serviceError(body: unknown): { code: string; message: string } | undefined {
  const e = (body as { responseError?: { returnCode?: unknown; returnMessage?: unknown } } | undefined)
    ?.responseError
  if (!e || typeof e !== 'object') return undefined
  return { code: String(e.returnCode ?? ''), message: String(e.returnMessage ?? 'error') }
}

function retryAfter(h: string | null): number | undefined {
  if (!h) return undefined
  const s = Number(h)
  if (Number.isFinite(s)) return Math.max(0, s * 1000)
  const at = Date.parse(h)
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined
}
