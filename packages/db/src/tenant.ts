/**
 * Tenant-scoped data access.
 *
 * `forTenant(db, tenantId)` returns a client whose every query (a) runs in a transaction that sets
 * `app.tenant_id` (so RLS policies scope it when connected as cms_app), and (b) for tenant-owned
 * models, gets `tenantId` forced into its `where`/`data`. Many-row operations without a `where` are
 * refused outright (cal.com's guard): "delete everything" must be spelled out.
 */
import { AppError } from '@cms/core'
import type { Prisma, PrismaClient } from './generated/prisma/client'

/** Models with a tenant_id column, by Prisma model name (the key is the camel-cased delegate). */
export const TENANT_MODELS = {
  ApiKey: 'tenantId',
  CloudAccount: 'tenantId',
  Resource: 'tenantId',
  MetricSeries: 'tenantId',
  DailyCost: 'tenantId',
  ApiCallLedger: 'tenantId',
  AuditLog: 'tenantId',
  MetricWatermark: 'tenantId',
  ResourceEvent: 'tenantId',
  AlertRule: 'tenantId',
  AlertRuleEndpoint: 'tenantId',
  AlertInstance: 'tenantId',
  AlertSilence: 'tenantId',
  WebhookEndpoint: 'tenantId',
  WebhookDelivery: 'tenantId',
  WebhookAttempt: 'tenantId',
  MarketplaceSubscription: 'tenantId',
  MeteringRecord: 'tenantId',
  Member: 'organizationId',
  Invitation: 'organizationId',
} as const satisfies Partial<Record<Prisma.ModelName, string>>

const MANY_OPS = new Set(['findMany', 'updateMany', 'deleteMany', 'updateManyAndReturn'])
const WHERE_OPS = new Set([
  'findMany',
  'findFirst',
  'findFirstOrThrow',
  'findUnique',
  'findUniqueOrThrow',
  'count',
  'aggregate',
  'groupBy',
  'updateMany',
  'deleteMany',
  'updateManyAndReturn',
  'update',
  'delete',
  'upsert',
])

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

type Args = Record<string, unknown> & { where?: Record<string, unknown>; data?: unknown; create?: unknown }

export function scopeArgs(model: string, operation: string, args: Args | undefined, tenantId: string): Args {
  const column = (TENANT_MODELS as Record<string, string>)[model]
  const a: Args = { ...(args ?? {}) }
  if (MANY_OPS.has(operation) && (!a.where || Object.keys(a.where).length === 0) && column === undefined) {
    throw new AppError('internal', `Refusing ${model}.${operation} without a where clause`)
  }
  if (column === undefined) return a
  if (MANY_OPS.has(operation) && !a.where) {
    throw new AppError('internal', `Refusing ${model}.${operation} without a where clause`)
  }
  if (WHERE_OPS.has(operation)) {
    // findUnique needs its unique selector intact; AND-ing a plain field in keeps it unique-compatible.
    a.where = { ...(a.where ?? {}), [column]: tenantId }
  }
  const stamp = (d: unknown) =>
    d && typeof d === 'object' && !Array.isArray(d) ? { ...(d as object), [column]: tenantId } : d
  if (operation === 'create') a.data = stamp(a.data)
  if (operation === 'createMany' || operation === 'createManyAndReturn') {
    a.data = Array.isArray(a.data) ? a.data.map(stamp) : stamp(a.data)
  }
  if (operation === 'upsert') a.create = stamp(a.create)
  return a
}

export function forTenant(db: PrismaClient, tenantId: string) {
  if (!UUID.test(tenantId)) throw new AppError('bad_request', 'Invalid tenant id')
  return db.$extends({
    name: 'tenant-scope',
    query: {
      $allModels: {
        async $allOperations({ model, operation, args, query }) {
          const scoped = scopeArgs(model, operation, args as Args, tenantId)
          const [, result] = await db.$transaction([
            db.$executeRaw`SELECT set_config('app.tenant_id', ${tenantId}, TRUE)`,
            query(scoped as typeof args),
          ])
          return result
        },
      },
    },
  })
}

export type TenantDb = ReturnType<typeof forTenant>
