/**
 * Cloud accounts as the UI and API see them: sanitized (credentialsView only, never the envelope).
 * Creating/replacing credentials goes through @cms/db (the only code that encrypts them).
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { AppError, type CloudKind } from '@cms/core'
import { createCloudAccount, generateExternalId, replaceCloudAccountCredentials } from '@cms/db'
import type { z } from 'zod'
import { assertCanAddCloudAccount } from '@cms/marketplace'
import { notifyAccountChanged } from './cloud-bridge'
import { planDb } from './plans'
import type { createAccountSchema, patchAccountSchema } from './api/schemas'
import { audit, type TenantContext } from './tenant-guard'
import { services } from './services'

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null)

const accountSelect = {
  id: true,
  cloud: true,
  name: true,
  status: true,
  lastErrorCode: true,
  lastError: true,
  lastErrorAt: true,
  lastSuccessAt: true,
  credentialsView: true,
  nativeAccountId: true,
  regions: true,
  pausedAt: true,
  createdAt: true,
} as const

type AccountRow = {
  id: string
  cloud: CloudKind
  name: string
  status: 'pending' | 'ok' | 'error' | 'paused'
  lastErrorCode: string | null
  lastError: string | null
  lastErrorAt: Date | null
  lastSuccessAt: Date | null
  credentialsView: unknown
  nativeAccountId: string | null
  regions: string[]
  pausedAt: Date | null
  createdAt: Date
}

export function accountView(a: AccountRow, resourceCount = 0) {
  return {
    id: a.id,
    cloud: a.cloud,
    name: a.name,
    status: a.status,
    lastErrorCode: a.lastErrorCode,
    lastError: a.lastError,
    lastErrorAt: iso(a.lastErrorAt),
    lastSuccessAt: iso(a.lastSuccessAt),
    credentials: a.credentialsView as never,
    nativeAccountId: a.nativeAccountId,
    regions: a.regions,
    pausedAt: iso(a.pausedAt),
    createdAt: a.createdAt.toISOString(),
    resourceCount,
  }
}
export type AccountView = ReturnType<typeof accountView>

export async function listAccounts(t: TenantContext): Promise<AccountView[]> {
  const [rows, counts] = await Promise.all([
    t.db.cloudAccount.findMany({ where: {}, select: accountSelect, orderBy: { createdAt: 'asc' } }),
    t.db.resource.groupBy({ by: ['accountId'], where: { terminatedAt: null }, _count: { _all: true } }),
  ])
  const byAccount = new Map(counts.map((c) => [c.accountId, c._count._all]))
  return rows.map((r) => accountView(r, byAccount.get(r.id) ?? 0))
}

export async function getAccount(t: TenantContext, id: string): Promise<AccountView> {
  const row = await t.db.cloudAccount.findUnique({ where: { id }, select: accountSelect })
  if (!row) throw new AppError('not_found', 'Cloud account not found')
  const count = await t.db.resource.count({ where: { accountId: id, terminatedAt: null } })
  return accountView(row, count)
}

// ------------------------------------------------------------------ AWS role onboarding

/** An ExternalId is issued by us: the token binds it to the tenant so a client cannot pick its own. */
export function externalIdToken(tenantId: string, externalId: string): string {
  const secret = services().config.AUTH_SECRET ?? ''
  return createHmac('sha256', secret).update(`external-id:${tenantId}:${externalId}`).digest('base64url')
}

function checkExternalIdToken(tenantId: string, externalId: string, token: string | undefined) {
  const want = Buffer.from(externalIdToken(tenantId, externalId))
  const got = Buffer.from(token ?? '')
  if (got.length !== want.length || !timingSafeEqual(got, want)) {
    throw new AppError('validation_failed', 'ExternalId was not issued by CMS for this organization', {
      fields: {
        'credentials.externalId': 'use the ExternalId from the setup step (GET /api/v1/accounts/aws-setup)',
      },
    })
  }
}

export const AWS_READ_POLICY = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'CmsReadOnlyMonitoring',
      Effect: 'Allow',
      Action: [
        'ec2:Describe*',
        'rds:Describe*',
        'rds:ListTagsForResource',
        'cloudwatch:GetMetricData',
        'cloudwatch:ListMetrics',
        'ce:GetCostAndUsage',
        'ce:GetCostForecast',
        'tag:GetResources',
      ],
      Resource: '*',
    },
  ],
} as const

export function cloudFormationTemplate(principalArn: string, externalId: string): string {
  const t = {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: 'CMS read-only monitoring role (least privilege).',
    Parameters: { ExternalId: { Type: 'String', Default: externalId, NoEcho: false } },
    Resources: {
      CmsReadOnlyRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: 'CmsReadOnly',
          MaxSessionDuration: 3600,
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { AWS: principalArn },
                Action: 'sts:AssumeRole',
                Condition: { StringEquals: { 'sts:ExternalId': { Ref: 'ExternalId' } } },
              },
            ],
          },
          Policies: [{ PolicyName: 'CmsReadOnlyMonitoring', PolicyDocument: AWS_READ_POLICY }],
        },
      },
    },
    Outputs: { RoleArn: { Value: { 'Fn::GetAtt': ['CmsReadOnlyRole', 'Arn'] } } },
  }
  return JSON.stringify(t, null, 2)
}

export function awsSetup(tenantId: string, externalId = generateExternalId()) {
  const { PUBLIC_URL, CMS_AWS_PRINCIPAL_ARN } = services().config
  const token = externalIdToken(tenantId, externalId)
  const templateUrl = `${PUBLIC_URL}/api/v1/accounts/aws-template?tenant=${tenantId}&externalId=${encodeURIComponent(externalId)}&token=${token}`
  const quickCreateUrl =
    `https://console.aws.amazon.com/cloudformation/home#/stacks/quickcreate?stackName=cms-readonly` +
    `&templateURL=${encodeURIComponent(templateUrl)}&param_ExternalId=${encodeURIComponent(externalId)}`
  return {
    principalArn: CMS_AWS_PRINCIPAL_ARN,
    externalId,
    externalIdToken: token,
    policy: AWS_READ_POLICY as unknown as Record<string, unknown>,
    templateUrl,
    quickCreateUrl,
  }
}

export function verifyTemplateRequest(tenantId: string | null, externalId: string, token: string): void {
  // The template URL is fetched by CloudFormation (no session), so the token alone authorizes it; it
  // reveals nothing but our principal and the ExternalId the tenant already has.
  if (tenantId) checkExternalIdToken(tenantId, externalId, token)
}

// ------------------------------------------------------------------ mutations

export async function createAccount(
  t: TenantContext,
  input: z.infer<typeof createAccountSchema>,
): Promise<AccountView> {
  // Plan limit first: 402 limit_exceeded with a message naming the plan and its limit.
  await assertCanAddCloudAccount(planDb(t), t.tenantId)
  if (input.cloud === 'aws' && input.credentials.method === 'assumeRole') {
    checkExternalIdToken(t.tenantId, input.credentials.externalId, input.externalIdToken)
  }
  const s = services()
  const dup = await t.db.cloudAccount.findFirst({ where: { name: input.name }, select: { id: true } })
  if (dup)
    throw new AppError('conflict', 'An account with this name exists', {
      fields: { name: 'already used in this organization' },
    })
  const row = await createCloudAccount(t.db, s.vault, t.tenantId, {
    cloud: input.cloud,
    name: input.name,
    credentials: input.credentials,
    regions: input.regions ?? [],
  })
  await audit(t, 'account.create', { type: 'cloud_account', id: row.id }, { cloud: input.cloud })
  return accountView(row)
}

export async function patchAccount(
  t: TenantContext,
  id: string,
  input: z.infer<typeof patchAccountSchema>,
): Promise<AccountView> {
  const s = services()
  const existing = await t.db.cloudAccount.findUnique({
    where: { id },
    select: { id: true, cloud: true, status: true },
  })
  if (!existing) throw new AppError('not_found', 'Cloud account not found')
  if (input.credentials) {
    const c = input.credentials as { method?: unknown; externalId?: unknown }
    if (existing.cloud === 'aws' && c.method === 'assumeRole' && typeof c.externalId === 'string') {
      checkExternalIdToken(t.tenantId, c.externalId, input.externalIdToken)
    }
    await replaceCloudAccountCredentials(t.db, s.vault, t.tenantId, id, input.credentials)
  }
  const data: Record<string, unknown> = {}
  if (input.name !== undefined) data.name = input.name
  if (input.regions !== undefined) data.regions = input.regions
  if (input.paused === true) Object.assign(data, { status: 'paused', pausedAt: new Date() })
  if (input.paused === false && existing.status === 'paused')
    Object.assign(data, { status: 'pending', pausedAt: null })
  if (Object.keys(data).length > 0) await t.db.cloudAccount.update({ where: { id }, data })
  await audit(t, 'account.update', { type: 'cloud_account', id }, { fields: Object.keys(input) })
  await notifyAccountChanged({
    tenantId: t.tenantId,
    accountId: id,
    change: input.paused === true ? 'paused' : 'updated',
  })
  return getAccount(t, id)
}

export const DELETE_RETENTION =
  'Resources, metric series and daily costs of this account are deleted now; stored metric points become unreachable and are purged by retention (raw 14 d, rollups ≤ 13 months). The API-call ledger is kept for billing history.'

export async function deleteAccount(t: TenantContext, id: string) {
  const existing = await t.db.cloudAccount.findUnique({ where: { id }, select: { id: true } })
  if (!existing) throw new AppError('not_found', 'Cloud account not found')
  await t.db.cloudAccount.delete({ where: { id } })
  await audit(t, 'account.delete', { type: 'cloud_account', id })
  await notifyAccountChanged({ tenantId: t.tenantId, accountId: id, change: 'deleted' })
  return { id, deleted: true as const, retention: DELETE_RETENTION }
}
