/**
 * The one choke point every cloud call goes through: concurrency cap and token bucket per
 * account+region+API, counting (cost of monitoring), jittered retries of throttling and transient
 * failures, and mapping of whatever the SDK threw to an AppError with one of our cloud codes.
 */
import { AppError, isCloudErrorCode, type CloudErrorCode, type CloudKind } from '@cms/core'
import type { ProviderContext } from '../contract'
import { defaultBudget, defaultConcurrency, sleep, type KeyedConcurrency } from './budget'
import type { CallMeter } from './calls'
import { budgetKey } from './limits'

export interface ClassifiedError {
  code: CloudErrorCode
  /** What the user can act on; never the SDK's stack or raw body. */
  message: string
  /** From Retry-After or similar, when the cloud said how long to wait. */
  retryAfterMs?: number
  details?: Record<string, unknown>
}
export type ErrorClassifier = (e: unknown) => ClassifiedError

export interface CallScope {
  cloud: CloudKind
  account: string
  region: string
}

export interface Operation {
  /** Counter/budget api, e.g. 'ec2', 'cloudwatch', 'azure.arm'. */
  api: string
  operation: string
  /** Billable units, counted once the call succeeded. */
  units?: number
}

export interface RetryPolicy {
  maxAttempts: Record<'throttled' | 'cloud_unavailable' | 'bad_response', number>
  baseMs: number
  capMs: number
}

/** Throttling storms are absorbed (many attempts); outages and garbage are retried a little. */
export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: { throttled: 12, cloud_unavailable: 4, bad_response: 2 },
  baseMs: 100,
  capMs: 10_000,
}

function withOverrides(base: RetryPolicy, o: ProviderContext['retry']): RetryPolicy {
  if (!o) return base
  return {
    maxAttempts: { ...base.maxAttempts, ...o.maxAttempts },
    baseMs: o.baseMs ?? base.baseMs,
    capMs: o.capMs ?? base.capMs,
  }
}

/** A runner bound to one account + region: what the per-resource modules receive. */
/** Billable units known only from the answer (BigQuery bytes processed). */
export type UnitsOf<T> = { unitsOf?: (result: T) => number }
export type Run = <T>(op: Operation & UnitsOf<T>, fn: () => Promise<T>) => Promise<T>

export class CallRunner {
  constructor(
    readonly ctx: ProviderContext,
    readonly meter: CallMeter,
    private readonly classify: ErrorClassifier,
    private readonly retry: RetryPolicy = withOverrides(DEFAULT_RETRY, ctx.retry),
    private readonly concurrency: KeyedConcurrency = defaultConcurrency,
  ) {}

  bind(scope: CallScope): Run {
    return (op, fn) => this.run(scope, op, fn)
  }

  async run<T>(scope: CallScope, op: Operation & UnitsOf<T>, fn: () => Promise<T>): Promise<T> {
    const key = budgetKey(scope.cloud, scope.account, scope.region, op.api)
    const budget = this.ctx.budget ?? defaultBudget
    for (let attempt = 1; ; attempt++) {
      this.ctx.signal?.throwIfAborted()
      await budget.take(key, 1)
      let failure: ClassifiedError
      try {
        const result = await this.concurrency.run(key, fn)
        this.meter.count(op.api, op.operation, { units: op.unitsOf ? op.unitsOf(result) : (op.units ?? 0) })
        return result
      } catch (e) {
        // A cancelled job is not a cloud failure: stop at once, neither retry nor classify.
        if (this.ctx.signal?.aborted) throw this.ctx.signal.reason
        failure =
          e instanceof AppError && isCloudCode(e.code)
            ? { code: e.code, message: e.message }
            : this.classify(e)
        this.meter.count(op.api, op.operation, { throttled: failure.code === 'throttled' })
      }
      const code = failure.code
      const max =
        code === 'throttled' || code === 'cloud_unavailable' || code === 'bad_response'
          ? this.retry.maxAttempts[code]
          : 1
      if (attempt >= max) {
        throw new AppError(code, failure.message, {
          ...failure.details,
          cloud: scope.cloud,
          account: scope.account,
          region: scope.region,
          api: op.api,
          operation: op.operation,
          attempts: attempt,
        })
      }
      // Full jitter (AWS architecture blog): spreads a storm of retries instead of synchronising them.
      const backoff = Math.random() * Math.min(this.retry.capMs, this.retry.baseMs * 2 ** (attempt - 1))
      const wait =
        failure.retryAfterMs !== undefined ? Math.min(failure.retryAfterMs, 60_000) + backoff / 4 : backoff
      this.ctx.log?.debug({ ...scope, ...op, attempt, code, waitMs: Math.round(wait) }, 'cloud call retry')
      await sleep(wait, this.ctx.signal)
    }
  }
}

const isCloudCode = isCloudErrorCode

/** A response that parsed but lacks what the API promises (a malformed body). Retried, then surfaced. */
export function badResponse(what: string): AppError {
  return new AppError('bad_response', `The cloud returned a malformed response: ${what}`)
}

/** Network-level failures, the same for every SDK (undici / node:net codes). */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'EHOSTUNREACH',
])
export function isNetworkError(e: unknown): boolean {
  for (let cur: unknown = e, depth = 0; cur && typeof cur === 'object' && depth < 5; depth++) {
    const code = (cur as { code?: unknown }).code
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return true
    const name = (cur as { name?: unknown }).name
    if (name === 'TimeoutError' || name === 'RequestTimeout') return true
    cur = (cur as { cause?: unknown }).cause
  }
  return false
}

/** Body parse failures surface from every SDK as a SyntaxError or a "deserializ…" message. */
export function isParseError(e: unknown): boolean {
  if (e instanceof SyntaxError) return true
  const msg = e instanceof Error ? e.message : ''
  return /deseriali[sz]|unexpected token|is not valid json|expected .* got|unexpected end of|invalid xml|parse error|JSON at position/i.test(
    msg,
  )
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}

/** Trim a cloud message to one line without anything that looks like a secret or a stack. */
export function oneLine(s: string, max = 300): string {
  const line = s.split('\n')[0] ?? ''
  return line.length > max ? `${line.slice(0, max)}…` : line
}
