/** Test factories: tenant → account → resources, on a database from @cms/db/testing. */
import { randomBytes, randomUUID } from 'node:crypto'
import type { Vault } from '@cms/core'
import { createCloudAccount, forTenant, type PrismaClient } from '@cms/db'
import { createTenant } from '@cms/db/testing'

export async function createTenantWithAccount(
  worker: PrismaClient,
  vault: Vault,
  opts: { settings?: Record<string, unknown>; regions?: string[]; credentials?: unknown; planId?: string } = {},
) {
  const tenant = await createTenant(worker)
  if (opts.settings || opts.planId) {
    await worker.organization.update({
      where: { id: tenant.id },
      data: { settings: (opts.settings ?? {}) as object, planId: opts.planId ?? 'free' },
    })
  }
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

export async function createResources(worker: PrismaClient, tenantId: string, accountId: string, n: number, region = 'us-east-1') {
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
