/**
 * Alert rules and silences: tenant-scoped data access for the web app (and tests). Every function takes
 * the tenant id and filters by it explicitly, on top of forTenant()'s RLS session.
 */
import { AppError } from '@cms/core'
import type { Prisma, TenantDb } from '@cms/db'
import {
  createAlertRuleSchema,
  createSilenceSchema,
  ruleSpecSchema,
  updateAlertRuleSchema,
  type CreateAlertRuleInput,
  type CreateSilenceInput,
  type RuleSpec,
  type Severity,
  type UpdateAlertRuleInput,
} from './rules.schema'

export interface AlertRuleView {
  id: string
  name: string
  description: string | null
  kind: RuleSpec['kind']
  enabled: boolean
  severity: Severity
  renotifyMinutes: number | null
  spec: RuleSpec
  endpointIds: string[]
  createdAt: Date
  updatedAt: Date
}

const RULE_INCLUDE = { endpoints: { select: { endpointId: true } } } as const
type RuleRow = Prisma.AlertRuleGetPayload<{ include: typeof RULE_INCLUDE }>

export function toRuleView(row: RuleRow): AlertRuleView {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    kind: row.kind as RuleSpec['kind'],
    enabled: row.enabled,
    severity: row.severity as Severity,
    renotifyMinutes: row.renotifyMinutes,
    spec: ruleSpecSchema.parse(row.spec),
    endpointIds: row.endpoints.map((e) => e.endpointId),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  }
}

/** Every id (duplicates counted once) must be found by `count` among the tenant's rows. */
async function assertAllOwned(
  ids: string[],
  count: (ids: string[]) => Promise<number>,
  message: string,
  field: string,
): Promise<void> {
  if (ids.length === 0) return
  const unique = [...new Set(ids)]
  if ((await count(unique)) !== unique.length) throw new AppError('validation_failed', message, { field })
}

function assertEndpointsOwned(tdb: TenantDb, tenantId: string, ids: string[]): Promise<void> {
  return assertAllOwned(
    ids,
    (ids) => tdb.webhookEndpoint.count({ where: { tenantId, id: { in: ids } } }),
    'Unknown webhook endpoint',
    'endpointIds',
  )
}

/**
 * Ids a spec names (resources of a metric rule's scope, accounts of any rule) must be the tenant's own:
 * a foreign or unknown id would only ever match nothing — a rule that silently never fires.
 */
async function assertSpecIdsOwned(tdb: TenantDb, tenantId: string, spec: RuleSpec): Promise<void> {
  if (spec.kind === 'metric_threshold' && spec.scope.type === 'resource')
    await assertAllOwned(
      spec.scope.resourceIds,
      (ids) => tdb.resource.count({ where: { tenantId, id: { in: ids } } }),
      'Unknown resource in the rule scope',
      'spec.scope.resourceIds',
    )
  if (spec.kind !== 'metric_threshold')
    await assertAllOwned(
      spec.accountIds ?? [],
      (ids) => tdb.cloudAccount.count({ where: { tenantId, id: { in: ids } } }),
      'Unknown cloud account in the rule',
      'spec.accountIds',
    )
}

export async function createAlertRule(
  tdb: TenantDb,
  tenantId: string,
  input: CreateAlertRuleInput,
  opts: { createdById?: string } = {},
): Promise<AlertRuleView> {
  const r = createAlertRuleSchema.parse(input)
  await assertEndpointsOwned(tdb, tenantId, r.endpointIds)
  await assertSpecIdsOwned(tdb, tenantId, r.spec)
  const row = await tdb.alertRule.create({
    data: {
      tenantId,
      name: r.name,
      description: r.description ?? null,
      kind: r.spec.kind,
      enabled: r.enabled,
      severity: r.severity,
      spec: r.spec as unknown as Prisma.InputJsonValue,
      renotifyMinutes: r.renotifyMinutes ?? null,
      createdById: opts.createdById ?? null,
      endpoints: { create: [...new Set(r.endpointIds)].map((endpointId) => ({ tenantId, endpointId })) },
    },
    include: RULE_INCLUDE,
  })
  return toRuleView(row)
}

export async function getAlertRule(tdb: TenantDb, tenantId: string, id: string): Promise<AlertRuleView> {
  const row = await tdb.alertRule.findFirst({ where: { id, tenantId }, include: RULE_INCLUDE })
  if (!row) throw new AppError('not_found', 'Alert rule not found')
  return toRuleView(row)
}

export async function listAlertRules(tdb: TenantDb, tenantId: string): Promise<AlertRuleView[]> {
  const rows = await tdb.alertRule.findMany({
    where: { tenantId },
    include: RULE_INCLUDE,
    orderBy: { createdAt: 'asc' },
  })
  return rows.map(toRuleView)
}

/**
 * Update a rule. Changing the spec keeps existing alert instances: the next evaluation moves them on
 * (a firing alert whose condition no longer holds resolves normally).
 */
export async function updateAlertRule(
  tdb: TenantDb,
  tenantId: string,
  id: string,
  input: UpdateAlertRuleInput,
): Promise<AlertRuleView> {
  const p = updateAlertRuleSchema.parse(input)
  const existing = await getAlertRule(tdb, tenantId, id)
  const data: Prisma.AlertRuleUpdateManyMutationInput = {}
  if (p.name !== undefined) data.name = p.name
  if (p.description !== undefined) data.description = p.description
  if (p.enabled !== undefined) data.enabled = p.enabled
  if (p.severity !== undefined) data.severity = p.severity
  if (p.renotifyMinutes !== undefined) data.renotifyMinutes = p.renotifyMinutes
  if (p.spec !== undefined) {
    if (p.spec.kind !== existing.kind)
      throw new AppError('validation_failed', 'A rule cannot change kind', { field: 'spec.kind' })
    await assertSpecIdsOwned(tdb, tenantId, p.spec)
    data.spec = p.spec as unknown as Prisma.InputJsonValue
  }
  // Everything is checked before anything is written: a rejected PATCH leaves the rule as it was.
  if (p.endpointIds !== undefined) await assertEndpointsOwned(tdb, tenantId, p.endpointIds)
  await tdb.alertRule.updateMany({ where: { id, tenantId }, data })
  if (p.endpointIds !== undefined) {
    await tdb.alertRuleEndpoint.deleteMany({ where: { tenantId, ruleId: id } })
    await tdb.alertRuleEndpoint.createMany({
      data: [...new Set(p.endpointIds)].map((endpointId) => ({ tenantId, ruleId: id, endpointId })),
    })
  }
  return getAlertRule(tdb, tenantId, id)
}

/** Deleting a rule drops its alert instances without sending resolves. */
export async function deleteAlertRule(tdb: TenantDb, tenantId: string, id: string): Promise<void> {
  const r = await tdb.alertRule.deleteMany({ where: { id, tenantId } })
  if (r.count === 0) throw new AppError('not_found', 'Alert rule not found')
}

/** Current alert states (for the UI), newest first. */
export async function listAlertInstances(
  tdb: TenantDb,
  tenantId: string,
  filter: { ruleId?: string; states?: string[]; limit?: number } = {},
) {
  return tdb.alertInstance.findMany({
    where: {
      tenantId,
      ...(filter.ruleId ? { ruleId: filter.ruleId } : {}),
      ...(filter.states ? { state: { in: filter.states } } : {}),
    },
    orderBy: { updatedAt: 'desc' },
    take: Math.min(filter.limit ?? 100, 500),
  })
}

export async function createSilence(
  tdb: TenantDb,
  tenantId: string,
  input: CreateSilenceInput,
  opts: { createdById?: string } = {},
) {
  const s = createSilenceSchema.parse(input)
  if (s.ruleId) await getAlertRule(tdb, tenantId, s.ruleId)
  return tdb.alertSilence.create({
    data: {
      tenantId,
      ruleId: s.ruleId ?? null,
      matchers: s.matchers,
      startsAt: s.startsAt,
      endsAt: s.endsAt,
      comment: s.comment,
      createdById: opts.createdById ?? null,
    },
  })
}

export async function listSilences(tdb: TenantDb, tenantId: string, opts: { activeAt?: Date } = {}) {
  return tdb.alertSilence.findMany({
    where: {
      tenantId,
      ...(opts.activeAt ? { startsAt: { lte: opts.activeAt }, endsAt: { gt: opts.activeAt } } : {}),
    },
    orderBy: { startsAt: 'desc' },
  })
}

/** End a silence now (kept for history). */
export async function expireSilence(
  tdb: TenantDb,
  tenantId: string,
  id: string,
  now = new Date(),
): Promise<void> {
  const r = await tdb.alertSilence.updateMany({
    where: { id, tenantId, endsAt: { gt: now } },
    data: { endsAt: now },
  })
  if (r.count === 0) throw new AppError('not_found', 'Active silence not found')
}

/** Delivery log for an endpoint (or all), newest first, with attempts. */
export async function listDeliveries(
  tdb: TenantDb,
  tenantId: string,
  filter: { endpointId?: string; limit?: number } = {},
) {
  return tdb.webhookDelivery.findMany({
    where: { tenantId, ...(filter.endpointId ? { endpointId: filter.endpointId } : {}) },
    orderBy: { createdAt: 'desc' },
    take: Math.min(filter.limit ?? 50, 200),
    include: { attemptLog: { orderBy: { startedAt: 'asc' } } },
  })
}
