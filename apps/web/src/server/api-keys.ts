/**
 * Per-organization API keys: `cms_<8 hex id>_<32 base62 secret>`. Only the SHA-256 of the whole key is
 * stored; the `cms_<id>` prefix lets the UI and logs name a key without revealing it.
 */
import { createHash, randomBytes } from 'node:crypto'
import type { TenantDb } from '@cms/db'

export type ApiKeyScope = 'read' | 'write'

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex')
}

export function generateApiKey(): { key: string; prefix: string; hash: string } {
  const prefix = `cms_${randomBytes(4).toString('hex')}`
  const key = `${prefix}_${randomBytes(24).toString('base64url')}`
  return { key, prefix, hash: hashApiKey(key) }
}

export function looksLikeApiKey(s: string): boolean {
  return /^cms_[0-9a-f]{8}_[\w-]{20,}$/.test(s)
}

export async function createApiKey(
  tdb: TenantDb,
  tenantId: string,
  input: { name: string; scope: ApiKeyScope; createdById: string | null },
) {
  const { key, prefix, hash } = generateApiKey()
  const row = await tdb.apiKey.create({
    data: { tenantId, name: input.name, scope: input.scope, prefix, hash, createdById: input.createdById },
    select: { id: true, name: true, prefix: true, scope: true, createdAt: true },
  })
  // The only time the key is returned.
  return { ...row, key }
}
