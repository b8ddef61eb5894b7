/**
 * The web app's only doors to the clouds and to the scheduler:
 *   - verifyAccount: decrypt an account's credentials, run the provider's `verify`, store the outcome
 *     (status, exact failing permission, disabled regions) on the account;
 *   - notifyAccountChanged: tell the scheduler an account was created/changed/paused/deleted so it
 *     (re)plans discovery immediately instead of at its next sweep.
 *
 * Verify runs @cms/providers' registry; notifications go to the scheduler's maintenance queue.
 */
import { readFileSync } from 'node:fs'
import { AppError, isAppError, type CloudCredentials, type CloudErrorCode } from '@cms/core'
import { loadAccountCredentials } from '@cms/db'
import type { ProviderContext, ProviderRegistry, VerifyResult } from '@cms/providers'
import type { TenantContext } from './tenant-guard'
import { services } from './services'

/** @cms/providers' registry, loaded on first verify (keeps the cloud SDKs out of pages that never verify). */
async function providerRegistry(): Promise<ProviderRegistry | null> {
  const { providers } = await import('@cms/providers')
  return providers
}

export type AccountChange = 'created' | 'updated' | 'paused' | 'deleted' | 'verified'

/**
 * Enqueue the scheduler's `schedules.reconcile` job for this account so discovery starts (or stops) now
 * rather than at the workers' next periodic reconcile. A Redis outage must not fail the user's request:
 * the periodic reconcile (every minute) picks the change up from the database anyway.
 */
export async function notifyAccountChanged(e: {
  tenantId: string
  accountId: string
  change: AccountChange
}): Promise<void> {
  const log = services().log
  try {
    const { notifyAccountChanged: notifyScheduler } = await import('@cms/scheduler/notify')
    await notifyScheduler({ tenantId: e.tenantId, accountId: e.accountId })
    log.info(
      { tenantId: e.tenantId, accountId: e.accountId, change: e.change },
      'account changed; scheduler notified',
    )
  } catch (err) {
    log.warn(
      { tenantId: e.tenantId, accountId: e.accountId, change: e.change, err: (err as Error).message },
      'scheduler notification failed; the periodic reconcile will pick the change up',
    )
  }
}

export interface AccountVerification {
  ok: boolean
  status: 'pending' | 'ok' | 'error' | 'paused'
  identity?: string
  checks: VerifyResult['checks']
  regions: VerifyResult['regions']
  message?: string
}

let caPem: string | undefined | null = null
/** Endpoint overrides, extra CA and our poller principal, from server configuration. */
function providerContext(): ProviderContext {
  const c = services().config
  if (caPem === null) caPem = c.CMS_CLOUD_CA_FILE ? readFileSync(c.CMS_CLOUD_CA_FILE, 'utf8') : undefined
  return {
    endpoints: {
      aws: c.CMS_AWS_ENDPOINT,
      azure: c.CMS_AZURE_ENDPOINT,
      gcp: c.CMS_GCP_ENDPOINT,
      ncp: c.CMS_NCP_ENDPOINT,
      ...(caPem ? { caPem } : {}),
    },
    ...(c.CMS_AWS_ACCESS_KEY_ID && c.CMS_AWS_SECRET_ACCESS_KEY
      ? { awsPoller: { accessKeyId: c.CMS_AWS_ACCESS_KEY_ID, secretAccessKey: c.CMS_AWS_SECRET_ACCESS_KEY } }
      : {}),
  }
}

async function runVerify(registry: ProviderRegistry, c: CloudCredentials): Promise<VerifyResult> {
  const ctx = providerContext()
  switch (c.cloud) {
    case 'aws':
      return registry.aws.verify(c.credentials, ctx)
    case 'azure':
      return registry.azure.verify(c.credentials, ctx)
    case 'gcp':
      return registry.gcp.verify(c.credentials, ctx)
    case 'ncp':
      return registry.ncp.verify(c.credentials, ctx)
  }
}

export async function verifyAccount(t: TenantContext, accountId: string): Promise<AccountVerification> {
  const s = services()
  const account = await t.db.cloudAccount.findUnique({
    where: { id: accountId },
    select: { id: true, status: true },
  })
  if (!account) throw new AppError('not_found', 'Cloud account not found')
  const registry = await providerRegistry()
  if (!registry) {
    return {
      ok: false,
      status: account.status,
      checks: [],
      regions: { enabled: [], disabled: [] },
      message:
        'Verification is not available in this build yet; the account will be checked on its first poll.',
    }
  }
  const creds = await loadAccountCredentials(t.db, s.vault, t.tenantId, accountId)
  let result: VerifyResult
  try {
    result = await runVerify(registry, creds)
  } catch (e) {
    const err = isAppError(e) ? e : new AppError('cloud_unavailable', 'The cloud could not be reached')
    await t.db.cloudAccount.update({
      where: { id: accountId },
      data: {
        status: 'error',
        lastErrorCode: err.code,
        lastError: err.message,
        lastErrorAt: new Date(),
        consecutiveFails: { increment: 1 },
      },
    })
    return {
      ok: false,
      status: 'error',
      checks: [],
      regions: { enabled: [], disabled: [] },
      message: `${err.code}: ${err.message}`,
    }
  }
  const failed = result.checks.filter((c) => !c.ok)
  const message = failed.length
    ? failed.map((c) => `${c.permission}: ${c.message ?? c.code ?? 'denied'}`).join('; ')
    : result.regions.disabled.length
      ? `Regions disabled: ${result.regions.disabled.join(', ')}`
      : undefined
  const status = result.ok && account.status !== 'paused' ? 'ok' : result.ok ? 'paused' : 'error'
  const code: CloudErrorCode | undefined = failed[0]?.code
  await t.db.cloudAccount.update({
    where: { id: accountId },
    data: result.ok
      ? {
          status,
          nativeAccountId: result.accountNativeIds.join(',') || null,
          lastErrorCode: null,
          lastError: null,
          consecutiveFails: 0,
        }
      : {
          status,
          lastErrorCode: code ?? 'access_denied',
          lastError: message ?? 'verification failed',
          lastErrorAt: new Date(),
        },
  })
  if (result.ok) await notifyAccountChanged({ tenantId: t.tenantId, accountId, change: 'verified' })
  return {
    ok: result.ok,
    status,
    identity: result.identity,
    checks: result.checks,
    regions: result.regions,
    message,
  }
}
