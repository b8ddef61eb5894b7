/**
 * Account status written back for the UI ("credentials revoked at 14:02"): status, our error code, the
 * cloud's message, when, last success, consecutive failures. Credential-type failures flip the account
 * to `error`; transient ones (throttling, 5xx) are recorded but leave the status alone.
 */
import { isAppError, type ErrorCode } from '@cms/core'
import type { PrismaClient } from '@cms/db'
import type { ScheduleSettings } from './plans'

/** Failures the user must act on; retrying quickly cannot fix them. */
export const ACCOUNT_FAILURE_CODES: ReadonlySet<ErrorCode> = new Set(['credentials_invalid', 'access_denied'])

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

export async function recordAccountFailure(
  prisma: PrismaClient,
  tenantId: string,
  accountId: string,
  f: FailureInfo,
  now: Date,
) {
  const accountLevel = ACCOUNT_FAILURE_CODES.has(f.code)
  const rows = await prisma.$queryRaw<Array<{ consecutive_fails: number; status: string }>>`
    UPDATE cloud_account SET
      last_error_code = ${f.code}, last_error = ${f.message}, last_error_at = ${now},
      consecutive_fails = consecutive_fails + 1,
      status = CASE WHEN ${accountLevel} AND status <> 'paused' AND paused_at IS NULL THEN 'error'::"AccountStatus" ELSE status END,
      updated_at = ${now}
    WHERE id = ${accountId}::uuid AND tenant_id = ${tenantId}::uuid
    RETURNING consecutive_fails, status::text`
  return rows[0] ?? null
}
