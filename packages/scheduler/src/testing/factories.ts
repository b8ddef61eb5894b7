/** Test factories: tenant → account → resources, on a database from @cms/db/testing. */
import { randomBytes, randomUUID } from 'node:crypto'
import type { Vault } from '@cms/core'
import { createCloudAccount, forTenant, type PrismaClient } from '@cms/db'
import { createTenant } from '@cms/db/testing'
import type { PlanLimits } from '@cms/marketplace'

/**
 * Plans are data: tests put their tenants on a 'test' plan row (created here, like any plan an operator
 * adds) whose 1-second minimum lets them poll fast — the production path, no test-only branch.
 * `limits` overrides some of its limits under another id (e.g. a monitored-resources cap).
 */
export async function ensureTestPlan(
  worker: PrismaClient,
  id = 'test',
  limits: Partial<PlanLimits> = {},
): Promise<string> {
  const all: PlanLimits = {
    cloudAccounts: null,
    monitoredResources: null,
    minPollSeconds: 1,
    retentionRawDays: 14,
    retention5mDays: 90,
    retention1hDays: 395,
    alertRules: null,
    webhookEndpoints: null,
    ...limits,
  }
  await worker.plan.upsert({
    where: { id },
    create: { id, name: `Test (${id})`, limits: all, sort: 99 },
    update: { limits: all },
  })
  return id
}

export async function createTenantWithAccount(
  worker: PrismaClient,
  vault: Vault,
  opts: {
    settings?: Record<string, unknown>
    regions?: string[]
    credentials?: unknown
    planId?: string
  } = {},
) {
  const tenant = await createTenant(worker)
  const planId = opts.planId ?? (await ensureTestPlan(worker))
  await worker.organization.update({
    where: { id: tenant.id },
    data: { settings: (opts.settings ?? {}) as object, planId },
  })
  const account = await createCloudAccount(forTenant(worker, tenant.id), vault, tenant.id, {
    cloud: 'aws',
    name: 'test',
    credentials: opts.credentials ?? {
      method: 'accessKeys',
      accessKeyId: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`,
      secretAccessKey: randomBytes(24).toString('base64'),
    },
    regions: opts.regions ?? ['us-east-1'],
  })
  return { tenant, account }
}

export async function createResources(
  worker: PrismaClient,
  tenantId: string,
  accountId: string,
  n: number,
  region = 'us-east-1',
) {
  const rows = Array.from({ length: n }, (_, i) => ({
    id: randomUUID(),
    tenantId,
    accountId,
    cloud: 'aws' as const,
    region,
    type: 'ec2.instance',
    nativeId: `i-${i.toString(16).padStart(8, '0')}${randomBytes(2).toString('hex')}`,
    state: 'running',
  }))
  await worker.resource.createMany({ data: rows })
  return rows
}
