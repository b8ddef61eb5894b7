/** Organization settings handlers that are not part of the public API (session only, admin+). */
import { AppError } from '@cms/core'
import { z } from 'zod'
import { createApiKey } from './api-keys'
import { json, parseOrThrow, readJson } from './http'
import { audit, withTenant } from './tenant-guard'

export const createApiKeySchema = z.object({
  name: z.string().trim().min(1, 'required').max(80, 'at most 80 characters'),
  scope: z.enum(['read', 'write'], { message: 'must be read or write' }),
})

export const listApiKeys = withTenant(
  async (_req, t) => {
    const items = await t.db.apiKey.findMany({
      where: {},
      orderBy: { createdAt: 'desc' },
      select: {
        id: true,
        name: true,
        prefix: true,
        scope: true,
        createdAt: true,
        lastUsedAt: true,
        revokedAt: true,
      },
    })
    return json({ items })
  },
  { role: 'admin', via: 'session' },
)

export const postApiKey = withTenant(
  async (req, t) => {
    const body = parseOrThrow(createApiKeySchema, await readJson(req))
    const created = await createApiKey(t.db, t.tenantId, {
      ...body,
      createdById: t.actor.type === 'user' ? t.actor.id : null,
    })
    await audit(t, 'api_key.create', { type: 'api_key', id: created.id }, { scope: body.scope })
    return json(created, 201)
  },
  { role: 'admin', via: 'session' },
)

export const revokeApiKey = withTenant(
  async (_req, t, params) => {
    const id = parseOrThrow(z.object({ id: z.uuid({ message: 'must be a UUID' }) }), params, 'path').id
    const key = await t.db.apiKey.findUnique({ where: { id }, select: { id: true, revokedAt: true } })
    if (!key) throw new AppError('not_found', 'API key not found')
    if (!key.revokedAt) await t.db.apiKey.update({ where: { id }, data: { revokedAt: new Date() } })
    await audit(t, 'api_key.revoke', { type: 'api_key', id })
    return json({ id, revoked: true })
  },
  { role: 'admin', via: 'session' },
)
