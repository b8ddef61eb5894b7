/**
 * Cloud accounts: the only code that turns credentials into ciphertext and back. Credentials are
 * encrypted before they reach Prisma (the row only ever holds the vault envelope plus a sanitized
 * view), and decrypted only by `loadAccountCredentials`, which workers call right before a cloud call.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import {
  AppError,
  parseCredentials,
  sanitizeCredentials,
  type CloudCredentials,
  type CloudKind,
  type CredentialsByCloud,
  type Vault,
} from '@cms/core'
import type { Prisma, PrismaClient } from './generated/prisma/client'
import type { TenantDb } from './tenant'

/** A server-generated ExternalId for AWS role trust: random, unguessable, never chosen by the tenant. */
export function generateExternalId(): string {
  return `cms-${randomBytes(18).toString('base64url')}`
}

export interface NewCloudAccount<K extends CloudKind = CloudKind> {
  cloud: K
  name: string
  credentials: unknown
  regions?: string[]
  settings?: Record<string, unknown>
  nativeAccountId?: string
}

export async function createCloudAccount(
  tdb: TenantDb,
  vault: Vault,
  tenantId: string,
  input: NewCloudAccount,
) {
  const credentials = parseCredentials(input.cloud, input.credentials)
  const id = randomUUID()
  const bundle = { cloud: input.cloud, credentials } as CloudCredentials
  const envelope = await vault.encryptJson(credentials, { tenantId, accountId: id })
  return tdb.cloudAccount.create({
    data: {
      id,
      tenantId,
      cloud: input.cloud,
      name: input.name,
      credentials: envelope as unknown as Prisma.InputJsonValue,
      credentialsView: sanitizeCredentials(bundle) as unknown as Prisma.InputJsonValue,
      externalId: credentials.method === 'assumeRole' ? credentials.externalId : null,
      regions: input.regions ?? [],
      settings: (input.settings ?? {}) as Prisma.InputJsonValue,
      nativeAccountId: input.nativeAccountId ?? null,
    },
    omit: { credentials: true },
  })
}

/** Replace an account's credentials (write-only: callers never get the old ones back). */
export async function replaceCloudAccountCredentials(
  tdb: TenantDb,
  vault: Vault,
  tenantId: string,
  accountId: string,
  credentials: unknown,
) {
  const account = await tdb.cloudAccount.findUnique({ where: { id: accountId }, select: { cloud: true } })
  if (!account) throw new AppError('not_found', 'Cloud account not found')
  const parsed = parseCredentials(account.cloud, credentials)
  const envelope = await vault.encryptJson(parsed, { tenantId, accountId })
  return tdb.cloudAccount.update({
    where: { id: accountId },
    data: {
      credentials: envelope as unknown as Prisma.InputJsonValue,
      credentialsView: sanitizeCredentials({
        cloud: account.cloud,
        credentials: parsed,
      } as CloudCredentials) as unknown as Prisma.InputJsonValue,
      status: 'pending',
      consecutiveFails: 0,
    },
    omit: { credentials: true },
  })
}

/** Decrypt an account's credentials. Workers only; the result must never be logged or returned. */
export async function loadAccountCredentials(
  db: PrismaClient | TenantDb,
  vault: Vault,
  tenantId: string,
  accountId: string,
): Promise<CloudCredentials> {
  const row = await (db as PrismaClient).cloudAccount.findFirst({
    where: { id: accountId, tenantId },
    select: { cloud: true, credentials: true },
  })
  if (!row) throw new AppError('not_found', 'Cloud account not found')
  let plain: CredentialsByCloud[CloudKind]
  try {
    plain = await vault.decryptJson<CredentialsByCloud[CloudKind]>(row.credentials, { tenantId, accountId })
  } catch (e) {
    // Unreadable ciphertext (tampered, wrong binding, or a master key that was removed) is a stored
    // state the user can repair by entering the credentials again — not a server crash.
    throw new AppError(
      'conflict',
      'The stored credentials of this account cannot be read; enter them again.',
      {
        reason: e instanceof AppError ? e.message : 'decryption failed',
      },
    )
  }
  return { cloud: row.cloud, credentials: plain } as CloudCredentials
}

/**
 * Re-wrap every stored credential under the vault's current master key (after adding a new key to
 * CMS_MASTER_KEYS). Data ciphertexts are untouched; each row is updated only if its key id changed.
 */
export async function rotateCredentialKeys(
  workerDb: PrismaClient,
  vault: Vault,
): Promise<{ scanned: number; rewrapped: number; failed: string[] }> {
  let scanned = 0
  let rewrapped = 0
  // A row that cannot be unwrapped (tampered, or its key already removed) is reported, not fatal:
  // one bad row must not leave every other credential on the old key.
  const failed: string[] = []
  let cursor: string | undefined
  for (;;) {
    const rows = await workerDb.cloudAccount.findMany({
      where: cursor ? { id: { gt: cursor } } : {},
      orderBy: { id: 'asc' },
      take: 200,
      select: { id: true, tenantId: true, credentials: true },
    })
    if (rows.length === 0) break
    for (const row of rows) {
      scanned++
      const res = await vault
        .rewrap(row.credentials, { tenantId: row.tenantId, accountId: row.id })
        .catch(() => null)
      if (!res) {
        failed.push(row.id)
        continue
      }
      const { envelope, changed } = res
      if (changed) {
        await workerDb.cloudAccount.update({
          where: { id: row.id },
          data: { credentials: envelope as unknown as Prisma.InputJsonValue },
        })
        rewrapped++
      }
    }
    cursor = rows[rows.length - 1]!.id
  }
  return { scanned, rewrapped, failed }
}
