/**
 * Webhook endpoints. The target URL, the signing secrets and a PagerDuty routing key are secrets (a
 * Slack incoming-webhook URL *is* a credential), so they are stored only as one vault envelope bound
 * to tenant + endpoint id, and shown back only as `urlView` and secret metadata. A signing secret is
 * returned exactly once: when it is created.
 */
import { randomUUID } from 'node:crypto'
import { AppError, type Vault } from '@cms/core'
import type { Prisma, PrismaClient, TenantDb } from '@cms/db'
import type { ResolvedEndpoint } from './formats'
import {
  createWebhookEndpointSchema,
  updateWebhookEndpointSchema,
  type CreateWebhookEndpointInput,
  type UpdateWebhookEndpointInput,
  type WebhookFormat,
} from './rules.schema'
import { generateWebhookSecret } from './signing'
import { assertSafeWebhookUrl, type UrlPolicy } from './ssrf'

interface StoredSecret {
  id: string
  secret: string
  createdAt: string
  /** Set on the previous secret during a rotation; it stops signing after this instant. */
  expiresAt: string | null
}

interface EndpointSecrets {
  url: string
  secrets: StoredSecret[]
  routingKey?: string
}

export interface SecretView {
  id: string
  createdAt: string
  expiresAt: string | null
}

/** The API/UI shape of an endpoint: no URL path secrets, no keys. */
export interface WebhookEndpointView {
  id: string
  name: string
  format: WebhookFormat
  urlView: string
  status: string
  disabledReason: string | null
  disabledAt: Date | null
  failingSince: Date | null
  lastSuccessAt: Date | null
  needsAttention: boolean
  secrets: SecretView[]
  createdAt: Date
  updatedAt: Date
}

/** Vault binding: "account" carries a kind prefix so an endpoint envelope never opens as anything else. */
export const endpointSecretContext = (tenantId: string, endpointId: string) => ({
  tenantId,
  accountId: `webhook-endpoint:${endpointId}`,
})

/** Display form of a URL: query strings and Slack's path tokens are hidden. */
export function urlViewOf(format: WebhookFormat, raw: string): string {
  const u = new URL(raw)
  if (format === 'slack') return `${u.origin}/…`
  return `${u.origin}${u.pathname}${u.search ? '?…' : ''}`
}

const secretsView = (s: StoredSecret[]): SecretView[] =>
  s.map(({ id, createdAt, expiresAt }) => ({ id, createdAt, expiresAt }))

const VIEW_SELECT = {
  id: true,
  name: true,
  format: true,
  urlView: true,
  status: true,
  disabledReason: true,
  disabledAt: true,
  failingSince: true,
  lastSuccessAt: true,
  needsAttention: true,
  secretsView: true,
  createdAt: true,
  updatedAt: true,
} as const

type ViewRow = Prisma.WebhookEndpointGetPayload<{ select: typeof VIEW_SELECT }>

function toView(row: ViewRow): WebhookEndpointView {
  const { secretsView: sv, format, ...rest } = row
  return { ...rest, format: format as WebhookFormat, secrets: sv as unknown as SecretView[] }
}

export async function createWebhookEndpoint(
  tdb: TenantDb,
  vault: Vault,
  tenantId: string,
  input: CreateWebhookEndpointInput,
  opts: { urlPolicy: UrlPolicy; now?: Date },
): Promise<{ endpoint: WebhookEndpointView; signingSecret: string }> {
  const parsed = createWebhookEndpointSchema.parse(input)
  const { url } = await assertSafeWebhookUrl(parsed.url, opts.urlPolicy)
  const id = randomUUID()
  const now = (opts.now ?? new Date()).toISOString()
  const signingSecret = generateWebhookSecret()
  const secrets: StoredSecret[] = [
    { id: randomUUID(), secret: signingSecret, createdAt: now, expiresAt: null },
  ]
  const bundle: EndpointSecrets = {
    url: url.toString(),
    secrets,
    ...(parsed.format === 'pagerduty' ? { routingKey: parsed.routingKey } : {}),
  }
  const envelope = await vault.encryptJson(bundle, endpointSecretContext(tenantId, id))
  const row = await tdb.webhookEndpoint.create({
    data: {
      id,
      tenantId,
      name: parsed.name,
      format: parsed.format,
      urlView: urlViewOf(parsed.format, url.toString()),
      secrets: envelope as unknown as Prisma.InputJsonValue,
      secretsView: secretsView(secrets) as unknown as Prisma.InputJsonValue,
    },
    select: VIEW_SELECT,
  })
  return { endpoint: toView(row), signingSecret }
}

async function loadBundle(db: PrismaClient | TenantDb, vault: Vault, tenantId: string, id: string) {
  const row = await (db as PrismaClient).webhookEndpoint.findFirst({ where: { id, tenantId } })
  if (!row) throw new AppError('not_found', 'Webhook endpoint not found')
  const bundle = await vault.decryptJson<EndpointSecrets>(row.secrets, endpointSecretContext(tenantId, id))
  return { row, bundle }
}

export async function updateWebhookEndpoint(
  tdb: TenantDb,
  vault: Vault,
  tenantId: string,
  id: string,
  input: UpdateWebhookEndpointInput,
  opts: { urlPolicy: UrlPolicy },
): Promise<WebhookEndpointView> {
  const patch = updateWebhookEndpointSchema.parse(input)
  const { row, bundle } = await loadBundle(tdb, vault, tenantId, id)
  const data: Prisma.WebhookEndpointUpdateInput = {}
  if (patch.name !== undefined) data.name = patch.name
  if (patch.url !== undefined || patch.routingKey !== undefined) {
    if (patch.url !== undefined) {
      const { url } = await assertSafeWebhookUrl(patch.url, opts.urlPolicy)
      bundle.url = url.toString()
      data.urlView = urlViewOf(row.format as WebhookFormat, bundle.url)
    }
    if (patch.routingKey !== undefined && row.format === 'pagerduty') bundle.routingKey = patch.routingKey
    data.secrets = (await vault.encryptJson(
      bundle,
      endpointSecretContext(tenantId, id),
    )) as unknown as Prisma.InputJsonValue
  }
  if (patch.status === 'active') {
    Object.assign(data, {
      status: 'active',
      disabledReason: null,
      disabledAt: null,
      failingSince: null,
      needsAttention: false,
    })
  } else if (patch.status === 'disabled') {
    Object.assign(data, { status: 'disabled', disabledReason: 'manual', disabledAt: new Date() })
  }
  await tdb.webhookEndpoint.updateMany({
    where: { id, tenantId },
    data: data as Prisma.WebhookEndpointUpdateManyMutationInput,
  })
  return getWebhookEndpoint(tdb, tenantId, id)
}

/**
 * Rotate the signing secret: the new one signs at once; the previous one keeps signing for
 * `graceHours` (both signatures are sent), so receivers can switch without losing a message.
 */
export async function rotateWebhookSecret(
  tdb: TenantDb,
  vault: Vault,
  tenantId: string,
  id: string,
  opts: { graceHours?: number; now?: Date } = {},
): Promise<{ endpoint: WebhookEndpointView; signingSecret: string }> {
  const now = opts.now ?? new Date()
  const { bundle } = await loadBundle(tdb, vault, tenantId, id)
  const graceEnd = new Date(now.getTime() + (opts.graceHours ?? 24) * 3_600_000).toISOString()
  const signingSecret = generateWebhookSecret()
  const kept = bundle.secrets
    .filter((s) => s.expiresAt === null || new Date(s.expiresAt) > now)
    .map((s) => ({ ...s, expiresAt: s.expiresAt ?? graceEnd }))
  // Newest first; at most two active secrets, as the spec's rotation expects.
  bundle.secrets = [
    { id: randomUUID(), secret: signingSecret, createdAt: now.toISOString(), expiresAt: null },
    ...kept.slice(0, 1),
  ]
  await tdb.webhookEndpoint.updateMany({
    where: { id, tenantId },
    data: {
      secrets: (await vault.encryptJson(
        bundle,
        endpointSecretContext(tenantId, id),
      )) as unknown as Prisma.InputJsonValue,
      secretsView: secretsView(bundle.secrets) as unknown as Prisma.InputJsonValue,
    },
  })
  return { endpoint: await getWebhookEndpoint(tdb, tenantId, id), signingSecret }
}

export async function getWebhookEndpoint(
  tdb: TenantDb,
  tenantId: string,
  id: string,
): Promise<WebhookEndpointView> {
  const row = await tdb.webhookEndpoint.findFirst({ where: { id, tenantId }, select: VIEW_SELECT })
  if (!row) throw new AppError('not_found', 'Webhook endpoint not found')
  return toView(row)
}

export async function listWebhookEndpoints(tdb: TenantDb, tenantId: string): Promise<WebhookEndpointView[]> {
  const rows = await tdb.webhookEndpoint.findMany({
    where: { tenantId },
    select: VIEW_SELECT,
    orderBy: { createdAt: 'asc' },
  })
  return rows.map(toView)
}

export async function deleteWebhookEndpoint(tdb: TenantDb, tenantId: string, id: string): Promise<void> {
  const r = await tdb.webhookEndpoint.deleteMany({ where: { id, tenantId } })
  if (r.count === 0) throw new AppError('not_found', 'Webhook endpoint not found')
}

/** The tenant has seen that the endpoint was disabled automatically. */
export async function acknowledgeEndpointAttention(
  tdb: TenantDb,
  tenantId: string,
  id: string,
): Promise<void> {
  await tdb.webhookEndpoint.updateMany({ where: { id, tenantId }, data: { needsAttention: false } })
}

/** Workers only: the endpoint with its secrets decrypted (signing secrets still active at `now`). */
export async function loadResolvedEndpoint(
  db: PrismaClient,
  vault: Vault,
  tenantId: string,
  id: string,
  now: Date,
): Promise<{ endpoint: ResolvedEndpoint; status: string; failingSince: Date | null }> {
  const { row, bundle } = await loadBundle(db, vault, tenantId, id)
  const active = bundle.secrets.filter((s) => s.expiresAt === null || new Date(s.expiresAt) > now)
  return {
    endpoint: {
      id,
      tenantId,
      format: row.format as WebhookFormat,
      url: bundle.url,
      secrets: active.map((s) => s.secret),
      ...(bundle.routingKey ? { routingKey: bundle.routingKey } : {}),
    },
    status: row.status,
    failingSince: row.failingSince,
  }
}
