/**
 * Request/response schemas of the public API. The same zod objects validate requests and generate
 * /api/v1/openapi.json (z.toJSONSchema), so the document cannot drift from the code.
 */
import {
  CLOUD_KINDS,
  RESOURCE_STATES,
  awsCredentialsSchema,
  azureCredentialsSchema,
  gcpCredentialsSchema,
  NCP_SITES,
  ncpCredentialsSchema,
} from '@cms/core'
import { z } from 'zod'
import { NCP_POLICY_SUMMARY } from '../ncp-setup'

export const uuidParam = z.object({ id: z.uuid({ message: 'must be a UUID' }) })

const name = z.string().trim().min(1, 'required').max(100, 'at most 100 characters')
// Region names as each cloud spells them: AWS/Azure/GCP lower-case (eu-west-1), NCP upper-case codes (KR, JPN).
const REGION = /^[A-Za-z0-9-]{2,40}$/
const regionList = z
  .array(z.string().trim().regex(REGION, 'must be a region name like eu-west-1 or KR'))
  .max(64)

export const sanitizedCredentialsSchema = z
  .union([
    z.object({ method: z.literal('assumeRole'), roleArn: z.string(), externalId: z.string() }),
    z.object({ method: z.literal('accessKeys'), accessKeyIdHint: z.string() }),
    z.object({
      method: z.literal('servicePrincipal'),
      tenantId: z.string(),
      clientId: z.string(),
      subscriptionIds: z.array(z.string()),
    }),
    z.object({
      method: z.literal('serviceAccountKey'),
      clientEmail: z.string(),
      projectIds: z.array(z.string()),
    }),
    z.object({
      method: z.literal('subAccountKey'),
      accessKeyHint: z.string(),
      site: z.enum(NCP_SITES),
    }),
  ])
  .meta({ id: 'SanitizedCredentials', description: 'Identifiers only; secrets are write-only.' })

export const accountSchema = z
  .object({
    id: z.uuid(),
    cloud: z.enum(CLOUD_KINDS),
    name: z.string(),
    status: z.enum(['pending', 'ok', 'error', 'paused']),
    lastErrorCode: z.string().nullable(),
    lastError: z.string().nullable(),
    lastErrorAt: z.string().nullable(),
    lastSuccessAt: z.string().nullable(),
    credentials: sanitizedCredentialsSchema,
    nativeAccountId: z.string().nullable(),
    regions: z.array(z.string()),
    pausedAt: z.string().nullable(),
    createdAt: z.string(),
    resourceCount: z.number().int(),
  })
  .meta({ id: 'Account' })

export const createAccountSchema = z
  .discriminatedUnion('cloud', [
    z.object({
      cloud: z.literal('aws'),
      name,
      regions: regionList.optional(),
      credentials: awsCredentialsSchema,
      /** Proof that credentials.externalId was issued by us to this tenant (GET /accounts/aws-setup). */
      externalIdToken: z.string().optional(),
    }),
    z.object({
      cloud: z.literal('azure'),
      name,
      regions: regionList.optional(),
      credentials: azureCredentialsSchema,
    }),
    z.object({
      cloud: z.literal('gcp'),
      name,
      regions: regionList.optional(),
      credentials: gcpCredentialsSchema,
    }),
    z
      .object({
        cloud: z.literal('ncp'),
        name,
        regions: regionList.optional(),
        credentials: ncpCredentialsSchema,
      })
      .meta({
        description:
          'Naver Cloud Platform: the access key and secret key of a sub-account with API Gateway access and ' +
          `the system-managed policies ${NCP_POLICY_SUMMARY} (the last only for costs). ` +
          'site picks the API gateway: public (ncloud.com), gov or fin.',
      }),
  ])
  .meta({ id: 'CreateAccount' })

export const patchAccountSchema = z
  .object({
    name: name.optional(),
    regions: regionList.optional(),
    paused: z.boolean().optional(),
    /** Replaces the stored credentials (write-only; never returned). */
    credentials: z.record(z.string(), z.unknown()).optional(),
    externalIdToken: z.string().optional(),
  })
  .strict()
  .meta({ id: 'PatchAccount' })

export const awsSetupSchema = z
  .object({
    principalArn: z.string(),
    externalId: z.string(),
    externalIdToken: z.string(),
    policy: z.record(z.string(), z.unknown()),
    templateUrl: z.string(),
    quickCreateUrl: z.string(),
  })
  .meta({ id: 'AwsSetup' })

export const verifyResultSchema = z
  .object({
    ok: z.boolean(),
    status: z.enum(['pending', 'ok', 'error', 'paused']),
    identity: z.string().optional(),
    checks: z.array(
      z.object({
        capability: z.string(),
        permission: z.string(),
        ok: z.boolean(),
        code: z.string().optional(),
        message: z.string().optional(),
      }),
    ),
    regions: z.object({ enabled: z.array(z.string()), disabled: z.array(z.string()) }),
    message: z.string().optional(),
  })
  .meta({ id: 'VerifyResult' })

const csv = (inner: z.ZodType<string, string>) =>
  z
    .string()
    .optional()
    .transform((s) =>
      s
        ? s
            .split(',')
            .map((x) => x.trim())
            .filter(Boolean)
        : undefined,
    )
    .pipe(z.array(inner).max(50).optional())

export const RESOURCE_SORTS = [
  'name',
  'type',
  'region',
  'state',
  'cloud',
  'firstSeenAt',
  'lastSeenAt',
] as const

export const resourceQuerySchema = z.object({
  q: z.string().trim().max(200).optional().describe('search in name and native id'),
  cloud: csv(z.enum(CLOUD_KINDS)),
  accountId: csv(z.uuid({ message: 'must be a UUID' })),
  region: csv(z.string().regex(REGION, 'bad region')),
  type: csv(z.string().regex(/^[a-z0-9_.]{2,60}$/, 'bad type')),
  state: csv(z.enum(RESOURCE_STATES)),
  tag: z
    .string()
    .regex(/^[^=]{1,128}(=.{0,256})?$/, 'must be key or key=value')
    .optional()
    .describe('tag key or key=value'),
  new: z.enum(['1', 'true', '0', 'false']).optional().describe('only resources first seen in the last 24 h'),
  sort: z.enum(RESOURCE_SORTS).default('name'),
  order: z.enum(['asc', 'desc']).default('asc'),
  limit: z.coerce.number({ message: 'must be a number' }).int().min(1).max(500).default(50),
  cursor: z.string().max(500).optional().describe('opaque cursor from the previous page (nextCursor)'),
  offset: z.coerce
    .number()
    .int()
    .min(0)
    .max(1_000_000)
    .optional()
    .describe('page offset (UI paging); ignored with cursor'),
})
export type ResourceQuery = z.infer<typeof resourceQuerySchema>

export const resourceSchema = z
  .object({
    id: z.uuid(),
    accountId: z.uuid(),
    cloud: z.enum(CLOUD_KINDS),
    region: z.string(),
    type: z.string(),
    nativeId: z.string(),
    name: z.string().nullable(),
    state: z.string(),
    tags: z.record(z.string(), z.string()),
    firstSeenAt: z.string(),
    lastSeenAt: z.string(),
    isNew: z.boolean(),
    monitored: z.boolean().optional().describe('false: beyond the plan limit, inventoried but not polled'),
  })
  .meta({ id: 'Resource' })

export const resourceDetailSchema = resourceSchema
  .extend({
    nativeState: z.string().nullable(),
    attributes: z.record(z.string(), z.unknown()),
    createdAtCloud: z.string().nullable(),
    terminatedAt: z.string().nullable(),
    metrics: z.array(z.object({ metric: z.string(), stat: z.string(), unit: z.string().nullable() })),
  })
  .meta({ id: 'ResourceDetail' })

const isoDate = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 timestamp' })
export const STEPS = ['raw', '5m', '1h'] as const
export const metricsQuerySchema = z
  .object({
    metric: z.string().min(1, 'required').max(200),
    stat: z.string().max(40).optional(),
    from: isoDate.optional().describe('default: to − 1 h'),
    to: isoDate.optional().describe('default: now'),
    step: z
      .enum(['auto', ...STEPS])
      .default('auto')
      .describe('auto: raw ≤ 6 h, 5m ≤ 7 d, else 1h'),
  })
  .refine((q) => !q.from || !q.to || Date.parse(q.from) < Date.parse(q.to), {
    path: ['from'],
    message: 'must be before to',
  })
  .refine((q) => !q.from || !q.to || Date.parse(q.to) - Date.parse(q.from) <= 400 * 86_400_000, {
    path: ['from'],
    message: 'range is at most 400 days',
  })

export const metricsResponseSchema = z
  .object({
    metric: z.string(),
    stat: z.string(),
    unit: z.string().nullable(),
    step: z.enum(STEPS),
    from: z.string(),
    to: z.string(),
    points: z.array(
      z.object({ ts: z.string(), value: z.number(), min: z.number().optional(), max: z.number().optional() }),
    ),
  })
  .meta({ id: 'MetricSeries' })

// The regex alone lets 2024-13-45 through to PostgreSQL's ::date cast (a 500): check it is a real day.
const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine(
    (s) => s >= '1000-01-01' && !Number.isNaN(Date.parse(s)) && new Date(s).toISOString().startsWith(s),
    'must be a real date YYYY-MM-DD',
  )
export const COST_GROUPS = ['service', 'account', 'region', 'cloud', 'day'] as const
export const costsQuerySchema = z
  .object({
    from: day.optional().describe('default: first day of this month'),
    to: day.optional().describe('inclusive; default: today'),
    groupBy: z.enum(COST_GROUPS).default('service'),
    cloud: csv(z.enum(CLOUD_KINDS)),
    accountId: csv(z.uuid({ message: 'must be a UUID' })),
    region: csv(z.string().max(40)),
  })
  .refine((q) => !q.from || !q.to || q.from <= q.to, { path: ['from'], message: 'must not be after to' })

export const costsResponseSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    groupBy: z.enum(COST_GROUPS),
    currency: z.string().describe('the first entry of totals (kept for older clients)'),
    total: z.number().describe('the first entry of totals (kept for older clients)'),
    totals: z
      .array(z.object({ currency: z.string(), amount: z.number() }))
      .describe(
        'one total per currency (ISO 4217; NCP bills in KRW, the other clouds in USD). Amounts in different currencies are never added: no exchange rate is applied.',
      ),
    groups: z.array(
      z.object({ key: z.string(), label: z.string(), currency: z.string(), amount: z.number() }),
    ),
    daily: z.array(z.object({ day: z.string(), key: z.string(), currency: z.string(), amount: z.number() })),
  })
  .meta({
    id: 'Costs',
    description:
      'Costs per group and per currency: a group billed in two currencies appears once per currency.',
  })

export const usageQuerySchema = z.object({
  from: isoDate.optional().describe('default: 30 days ago'),
  to: isoDate.optional().describe('default: now'),
})
export const usageResponseSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    totalCalls: z.number(),
    totalCostUsd: z.number(),
    accounts: z.array(
      z.object({
        accountId: z.uuid(),
        name: z.string(),
        calls: z.number(),
        billableUnits: z.number(),
        costUsd: z.number(),
        byApi: z.array(
          z.object({ api: z.string(), operation: z.string(), calls: z.number(), costUsd: z.number() }),
        ),
      }),
    ),
  })
  .meta({ id: 'Usage' })

export const pageOf = <T extends z.ZodType>(item: T, id: string) =>
  z.object({ items: z.array(item), total: z.number().int(), nextCursor: z.string().nullable() }).meta({ id })

export const deletedSchema = z
  .object({ id: z.uuid(), deleted: z.literal(true), retention: z.string() })
  .meta({ id: 'Deleted' })
export const errorSchema = z
  .object({
    error: z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()) }),
  })
  .meta({ id: 'Error' })

// ------------------------------------------------------------------ alerts (request schemas come from @cms/alerts)

const isoOrNull = z.string().nullable()
export const alertRuleSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    description: z.string().nullable(),
    kind: z.string(),
    enabled: z.boolean(),
    severity: z.string(),
    renotifyMinutes: z.number().nullable(),
    spec: z.record(z.string(), z.unknown()),
    endpointIds: z.array(z.uuid()),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'AlertRule' })

export const webhookEndpointSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    format: z.enum(['standard', 'slack', 'pagerduty', 'alertmanager']),
    urlView: z.string(),
    status: z.string(),
    disabledReason: z.string().nullable(),
    disabledAt: isoOrNull,
    failingSince: isoOrNull,
    lastSuccessAt: isoOrNull,
    needsAttention: z.boolean(),
    secrets: z.array(z.object({ id: z.string(), createdAt: z.string(), expiresAt: z.string().nullable() })),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({
    id: 'WebhookEndpoint',
    description: 'The URL is shown without its query or Slack path; secrets are never returned.',
  })

export const endpointWithSecretSchema = z
  .object({ endpoint: webhookEndpointSchema, signingSecret: z.string().describe('shown once: store it now') })
  .meta({ id: 'WebhookEndpointWithSecret' })

export const patchWebhookSchema = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    url: z.string().trim().min(1).max(2048).optional(),
    routingKey: z.string().trim().min(1).max(200).optional(),
    status: z.enum(['active', 'disabled']).optional(),
    acknowledge: z.boolean().optional().describe('clear the needs-attention flag after an automatic disable'),
  })
  .strict()
  .meta({ id: 'PatchWebhookEndpoint' })

export const deliverySchema = z
  .object({
    id: z.uuid(),
    endpointId: z.uuid(),
    kind: z.string(),
    eventType: z.string(),
    status: z.string(),
    attempts: z.number().int(),
    generation: z.number().int(),
    nextAttemptAt: isoOrNull,
    lastAttemptAt: isoOrNull,
    lastStatusCode: z.number().nullable(),
    succeededAt: isoOrNull,
    createdAt: z.string(),
    attemptLog: z.array(
      z.object({
        attempt: z.number().int(),
        generation: z.number().int(),
        startedAt: z.string(),
        durationMs: z.number(),
        statusCode: z.number().nullable(),
        outcome: z.string(),
        error: z.string().nullable(),
        responseExcerpt: z.string().nullable(),
      }),
    ),
  })
  .meta({ id: 'WebhookDelivery' })

export const dispatchResultSchema = z
  .object({
    result: z.object({
      status: z.string(),
      attempt: z.number().int(),
      nextAttemptInMs: z.number().nullable(),
    }),
    delivery: deliverySchema,
  })
  .meta({ id: 'DispatchResult' })

export const silenceSchema = z
  .object({
    id: z.uuid(),
    ruleId: z.uuid().nullable(),
    matchers: z.record(z.string(), z.string()),
    startsAt: z.string(),
    endsAt: z.string(),
    comment: z.string(),
    createdAt: z.string(),
  })
  .meta({ id: 'Silence' })

export const alertInstanceSchema = z
  .object({
    id: z.uuid(),
    ruleId: z.uuid(),
    ruleName: z.string(),
    severity: z.string(),
    kind: z.string(),
    state: z.string(),
    summary: z.string(),
    value: z.number().nullable(),
    labels: z.record(z.string(), z.string()),
    fingerprint: z.string(),
    firingSince: isoOrNull,
    pendingSince: isoOrNull,
    resolvedAt: isoOrNull,
    updatedAt: z.string(),
    resourceId: z.string().nullable(),
    metric: z.string().nullable(),
  })
  .meta({ id: 'Alert' })

export const alertsQuerySchema = z.object({
  state: z
    .enum(['active', 'recent', 'all'])
    .default('all')
    .describe('active = firing or pending; recent = resolved in the last 7 days'),
  limit: z.coerce.number({ message: 'must be a number' }).int().min(1).max(500).default(100),
})
export const silencesQuerySchema = z.object({
  active: z.enum(['1', 'true', '0', 'false']).optional().describe('only silences in effect now'),
  limit: z.coerce.number({ message: 'must be a number' }).int().min(1).max(500).default(100),
})
export const deliveriesQuerySchema = z.object({
  limit: z.coerce.number({ message: 'must be a number' }).int().min(1).max(200).default(50),
})

export const planSchema = z
  .object({
    planId: z.string(),
    planName: z.string(),
    limits: z.record(z.string(), z.number().nullable()),
    usage: z.object({
      cloudAccounts: z.number(),
      monitoredResources: z.number(),
      inventoriedResources: z.number(),
      alertRules: z.number(),
      webhookEndpoints: z.number(),
    }),
    notMonitored: z
      .number()
      .describe('resources inventoried but not polled (beyond the plan limit, newest first-seen)'),
    subscription: z.object({ source: z.string(), status: z.string() }).nullable(),
  })
  .meta({ id: 'Plan' })
