/**
 * Delivery timing. The schedule follows Standard Webhooks' example (Svix's is the same up to 10 h):
 * attempt 1 at once, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h after the previous one
 * (~3.2 days in all), each with ±jitter so a recovering receiver is not hit by a synchronized wave.
 * An endpoint that has failed without a single success for `disableAfterMs` (5 days) is disabled.
 *
 * `timeFactor` scales every duration (schedule, Retry-After, disable threshold). It is configuration,
 * not a test hook: 1 in production; tests and demos compress time by setting it (e.g. 1e-4).
 */
import { loadConfig } from '@cms/core'

const S = 1000
const M = 60 * S
const H = 60 * M

/** Delay before attempt n+1 (index n = attempts already made). */
export const RETRY_SCHEDULE_MS: readonly number[] = [
  0,
  5 * S,
  5 * M,
  30 * M,
  2 * H,
  5 * H,
  10 * H,
  14 * H,
  20 * H,
  24 * H,
]
export const MAX_ATTEMPTS = RETRY_SCHEDULE_MS.length

export interface DeliveryPolicy {
  /** Multiplies every duration below and in the schedule. 1 in production. */
  timeFactor: number
  /** ± fraction of each retry delay, randomized. */
  jitter: number
  /** One attempt's total time budget (not scaled: it is about the receiver, not the schedule). */
  timeoutMs: number
  /** Bytes of the response body kept in the attempt log. */
  maxResponseExcerptBytes: number
  /** Disable an endpoint after failing this long without success (scaled). */
  disableAfterMs: number
  /** Longest Retry-After we honour (scaled). */
  maxRetryAfterMs: number
  /** Link back to the product in payloads. */
  externalUrl: string
}

export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = {
  timeFactor: 1,
  jitter: 0.1,
  timeoutMs: 15_000,
  maxResponseExcerptBytes: 1024,
  disableAfterMs: 5 * 24 * H,
  maxRetryAfterMs: 24 * H,
  externalUrl: 'http://localhost:3000',
}

/** The policy for this process: PUBLIC_URL from configuration, plus explicit overrides. */
export function deliveryPolicyFromConfig(overrides: Partial<DeliveryPolicy> = {}): DeliveryPolicy {
  return { ...DEFAULT_DELIVERY_POLICY, externalUrl: loadConfig().PUBLIC_URL, ...overrides }
}

/**
 * Milliseconds to wait before the next attempt, after `attemptsMade` attempts have failed; null when
 * the schedule is exhausted. A receiver's Retry-After (ms) lengthens the wait, never shortens it.
 */
export function nextRetryDelay(
  attemptsMade: number,
  opts: {
    retryAfterMs?: number | null
    policy?: Pick<DeliveryPolicy, 'timeFactor' | 'jitter' | 'maxRetryAfterMs'>
    random?: () => number
  } = {},
): number | null {
  const policy = opts.policy ?? DEFAULT_DELIVERY_POLICY
  if (attemptsMade < 1) return 0
  const base = RETRY_SCHEDULE_MS[attemptsMade]
  if (base === undefined) return null
  const r = (opts.random ?? Math.random)()
  const jittered = base * (1 + policy.jitter * (2 * r - 1))
  const retryAfter = Math.min(Math.max(opts.retryAfterMs ?? 0, 0), policy.maxRetryAfterMs)
  return Math.round(Math.max(jittered, retryAfter) * policy.timeFactor)
}

/** Parse a Retry-After header (delta-seconds or HTTP date) into milliseconds. */
export function parseRetryAfter(value: string | string[] | undefined, now: Date): number | null {
  const v = Array.isArray(value) ? value[0] : value
  if (!v) return null
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000
  const t = Date.parse(v)
  return Number.isNaN(t) ? null : Math.max(0, t - now.getTime())
}
