/**
 * One HTTP attempt, through the SSRF guard. Never follows redirects, never throws for a network or
 * HTTP failure (it returns an outcome), keeps at most `maxResponseExcerptBytes` of the response, and
 * reports errors as short codes that cannot carry a secret (a Slack URL is one).
 */
import { isAppError } from '@cms/core'
import { request, type Dispatcher } from 'undici'
import type { HttpDelivery } from './formats'
import { parseRetryAfter, type DeliveryPolicy } from './retry'
import { assertSafeWebhookUrl, type UrlPolicy } from './ssrf'

export type SendOutcome = 'success' | 'retry' | 'disable'

export interface SendResult {
  outcome: SendOutcome
  statusCode: number | null
  durationMs: number
  /** Start of the response body (UTF-8, capped). */
  excerpt: string | null
  /** Short machine code: timeout | blocked | connection_refused | dns | network_error | http_<status> */
  error: string | null
  /** From Retry-After on 429/502/503/504, in real milliseconds (the caller applies the policy). */
  retryAfterMs: number | null
}

/** Statuses that mean "slow down": honour Retry-After. */
const THROTTLE = new Set([429, 502, 503, 504])

async function readCapped(body: Dispatcher.ResponseData['body'], max: number): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    const b = chunk as Buffer
    chunks.push(b.subarray(0, Math.max(0, max - size)))
    size += b.length
    if (size >= max) {
      body.destroy()
      break
    }
  }
  return Buffer.concat(chunks).toString('utf8')
}

function errorCode(e: unknown): string {
  if (isAppError(e)) return 'blocked'
  const err = e as { code?: string; name?: string; cause?: { code?: string } }
  const code = err.code ?? err.cause?.code
  if (code === 'EBLOCKED') return 'blocked'
  if (
    err.name === 'TimeoutError' ||
    err.name === 'AbortError' ||
    (code?.startsWith('UND_ERR_') && code.includes('TIMEOUT'))
  )
    return 'timeout'
  if (code === 'ECONNREFUSED') return 'connection_refused'
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'dns'
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'connection_reset'
  return 'network_error'
}

export async function sendDelivery(
  req: HttpDelivery,
  opts: {
    dispatcher: Dispatcher
    urlPolicy: UrlPolicy
    policy: Pick<DeliveryPolicy, 'timeoutMs' | 'maxResponseExcerptBytes'>
    now?: () => Date
  },
): Promise<SendResult> {
  const started = performance.now()
  const now = opts.now ?? (() => new Date())
  const done = (r: Omit<SendResult, 'durationMs'>): SendResult => ({
    ...r,
    durationMs: Math.round(performance.now() - started),
  })
  try {
    // IP literals never reach the dispatcher's lookup, so the URL is checked here too.
    await assertSafeWebhookUrl(req.url, opts.urlPolicy)
    const res = await request(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.body,
      dispatcher: opts.dispatcher,
      signal: AbortSignal.timeout(opts.policy.timeoutMs),
      headersTimeout: opts.policy.timeoutMs,
      bodyTimeout: opts.policy.timeoutMs,
    })
    const excerpt = await readCapped(res.body, opts.policy.maxResponseExcerptBytes).catch(() => null)
    const status = res.statusCode
    if (status >= 200 && status < 300) {
      return done({ outcome: 'success', statusCode: status, excerpt, error: null, retryAfterMs: null })
    }
    if (status === 410) {
      return done({ outcome: 'disable', statusCode: status, excerpt, error: 'http_410', retryAfterMs: null })
    }
    const retryAfterMs = THROTTLE.has(status) ? parseRetryAfter(res.headers['retry-after'], now()) : null
    // 3xx included: a redirect is a failure, never followed.
    return done({ outcome: 'retry', statusCode: status, excerpt, error: `http_${status}`, retryAfterMs })
  } catch (e) {
    return done({
      outcome: 'retry',
      statusCode: null,
      excerpt: null,
      error: errorCode(e),
      retryAfterMs: null,
    })
  }
}
