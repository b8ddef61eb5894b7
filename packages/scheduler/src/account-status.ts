/**
 * Account status written back for the UI ("credentials revoked at 14:02"): status, our error code, the
 * cloud's message, when, last success, consecutive failures. Every failed attempt of an account job is
 * recorded (the first one too: a metrics fetch retrying 8 times shows its error at once, not at the 8th).
 *
 * Status: credential-type failures flip the account to `error` at once; malformed answers
 * (`bad_response`) do after MALFORMED_FAILURES_BEFORE_ERROR consecutive failures — one garbled page is
 * noise, a cloud that keeps answering garbage is something the user must see; transient ones
 * (throttling, 5xx, timeouts) are recorded but leave the status alone. A successful discovery puts the
 * account back to `ok`; a successful metrics fetch ends a streak of failures that were not about
 * credentials or permissions (`recordTransientRecovery`), so a cloud that answers properly again is
 * shown healthy without waiting for the next discovery, while a missing permission stays visible.
 */
import { isAppError, type ErrorCode } from '@cms/core'
import type { PrismaClient } from '@cms/db'
import type { ScheduleSettings } from './plans'

/** Failures the user must act on; retrying quickly cannot fix them. */
export const ACCOUNT_FAILURE_CODES: ReadonlySet<ErrorCode> = new Set(['credentials_invalid', 'access_denied'])

/** Failures that say "this cloud's answers cannot be read" once they persist. */
export const PERSISTENT_FAILURE_CODES: ReadonlySet<ErrorCode> = new Set(['bad_response'])
/** Consecutive failed attempts (any account job) before a persistent failure flips the status to `error`. */
export const MALFORMED_FAILURES_BEFORE_ERROR = 3

export interface FailureInfo {
  code: ErrorCode
  message: string
}

export function describeFailure(e: unknown): FailureInfo {
  if (isAppError(e)) return { code: e.code, message: e.message.slice(0, 2000) }
  return { code: 'internal', message: 'Internal error' }
}

/** Whether an account's schedules should be in credential backoff (discovery only, hourly). */
export function inCredentialBackoff(
  a: { status: string; lastErrorCode: string | null; consecutiveFails: number },
  s: ScheduleSettings,
): boolean {
  return (
    a.status === 'error' &&
    a.lastErrorCode !== null &&
    ACCOUNT_FAILURE_CODES.has(a.lastErrorCode as ErrorCode) &&
    a.consecutiveFails >= s.credentialFailuresBeforeBackoff
  )
}

/** Returns the status before and after, so the caller can reconcile schedules on a change. */
export async function recordAccountSuccess(
  prisma: PrismaClient,
  tenantId: string,
  accountId: string,
  now: Date,
) {
  const before = await prisma.cloudAccount.findFirst({
    where: { id: accountId, tenantId },
    select: { status: true, consecutiveFails: true },
  })
  if (!before) return null
  await prisma.cloudAccount.updateMany({
    where: { id: accountId, tenantId, pausedAt: null, NOT: { status: 'paused' } },
    data: { status: 'ok', lastSuccessAt: now, consecutiveFails: 0 },
  })
  return { changed: before.status !== 'ok' || before.consecutiveFails !== 0 }
}

/** Records one failed attempt; returns the failure count and the status before and after (null: no such account). */
export async function recordAccountFailure(
  prisma: PrismaClient,
  tenantId: string,
  accountId: string,
  f: FailureInfo,
  now: Date,
): Promise<{ consecutive_fails: number; status: string; previous_status: string } | null> {
  const accountLevel = ACCOUNT_FAILURE_CODES.has(f.code)
  const persistent = PERSISTENT_FAILURE_CODES.has(f.code)
  const rows = await prisma.$queryRaw<
    Array<{ consecutive_fails: number; status: string; previous_status: string }>
  >`
    UPDATE cloud_account c SET
      last_error_code = ${f.code}, last_error = ${f.message}, last_error_at = ${now},
      consecutive_fails = c.consecutive_fails + 1,
      status = CASE
        WHEN c.status = 'paused' OR c.paused_at IS NOT NULL THEN c.status
        WHEN ${accountLevel} THEN 'error'::"AccountStatus"
        WHEN ${persistent} AND c.consecutive_fails + 1 >= ${MALFORMED_FAILURES_BEFORE_ERROR} THEN 'error'::"AccountStatus"
        ELSE c.status END,
      updated_at = ${now}
    FROM (SELECT id, status FROM cloud_account WHERE id = ${accountId}::uuid AND tenant_id = ${tenantId}::uuid FOR UPDATE) o
    WHERE c.id = o.id
    RETURNING c.consecutive_fails, c.status::text AS status, o.status::text AS previous_status`
  return rows[0] ?? null
}

/**
 * After a successful metrics fetch on an account that had failures: clears a streak that was not about
 * credentials or permissions (those only a discovery may clear: CloudWatch working says nothing about
 * `ec2:Describe*`). Returns whether the status changed (error → ok).
 */
export async function recordTransientRecovery(
  prisma: PrismaClient,
  tenantId: string,
  accountId: string,
  now: Date,
): Promise<{ changed: boolean } | null> {
  const codes = [...ACCOUNT_FAILURE_CODES]
  const rows = await prisma.$queryRaw<Array<{ status: string; previous_status: string }>>`
    UPDATE cloud_account c SET consecutive_fails = 0,
      status = CASE WHEN c.status = 'error' THEN 'ok'::"AccountStatus" ELSE c.status END,
      updated_at = ${now}
    FROM (SELECT id, status FROM cloud_account WHERE id = ${accountId}::uuid AND tenant_id = ${tenantId}::uuid FOR UPDATE) o
    WHERE c.id = o.id AND c.consecutive_fails > 0 AND c.paused_at IS NULL AND c.status <> 'paused'
      AND (c.last_error_code IS NULL OR NOT (c.last_error_code = ANY(${codes}::text[])))
    RETURNING c.status::text AS status, o.status::text AS previous_status`
  const r = rows[0]
  return r ? { changed: r.status !== r.previous_status } : null
}
