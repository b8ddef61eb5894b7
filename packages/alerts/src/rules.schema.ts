/**
 * Alert rule and webhook request schemas. The web app reuses these for /api/v1/alert-rules,
 * /api/v1/webhooks and /api/v1/silences; the evaluator re-parses stored specs with them.
 */
import { CLOUD_KINDS } from '@cms/core'
import { z } from 'zod'

export const SEVERITIES = ['critical', 'error', 'warning', 'info'] as const
export const severitySchema = z.enum(SEVERITIES)
export type Severity = z.infer<typeof severitySchema>

export const RULE_KINDS = ['metric_threshold', 'inventory_event', 'account_health', 'cost'] as const
export type RuleKind = (typeof RULE_KINDS)[number]

export const comparisonSchema = z.enum(['gt', 'gte', 'lt', 'lte', 'eq', 'ne'])
export type Comparison = z.infer<typeof comparisonSchema>
export const aggregationSchema = z.enum(['avg', 'max', 'min', 'sum', 'last'])
export type Aggregation = z.infer<typeof aggregationSchema>

const tagsSchema = z.record(z.string().min(1).max(256), z.string().max(256))
const minutes = (max: number) => z.number().int().min(0).max(max)

export const metricScopeSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('resource'), resourceIds: z.array(z.uuid()).min(1).max(500) }),
  z.object({
    type: z.literal('resource_type'),
    resourceType: z.string().min(1).max(100),
    cloud: z.enum(CLOUD_KINDS).optional(),
  }),
  z.object({
    type: z.literal('tags'),
    tags: tagsSchema.refine((t) => Object.keys(t).length > 0, 'at least one tag'),
    resourceType: z.string().min(1).max(100).optional(),
  }),
])
export type MetricScope = z.infer<typeof metricScopeSchema>

export const metricThresholdSpecSchema = z.object({
  kind: z.literal('metric_threshold'),
  /** Metric name as stored in metric_series.metric (e.g. CPUUtilization). */
  metric: z.string().min(1).max(200),
  /** Statistic (metric_series.stat); any when omitted. */
  stat: z.string().min(1).max(50).optional(),
  scope: metricScopeSchema,
  aggregation: aggregationSchema.default('avg'),
  /** Window the aggregation covers, ending at evaluation time. */
  windowMinutes: z.number().int().min(1).max(1440).default(5),
  comparison: comparisonSchema,
  threshold: z.number().finite(),
  /** How long the condition must hold before firing (0 = fire at once). */
  forMinutes: minutes(1440).default(0),
})

export const INVENTORY_EVENT_TYPES = [
  'resource.created',
  'resource.terminated',
  'resource.state_changed',
] as const
export type InventoryEventType = (typeof INVENTORY_EVENT_TYPES)[number]

export const inventoryEventSpecSchema = z.object({
  kind: z.literal('inventory_event'),
  events: z.array(z.enum(INVENTORY_EVENT_TYPES)).min(1),
  resourceTypes: z.array(z.string().min(1).max(100)).max(100).optional(),
  accountIds: z.array(z.uuid()).max(500).optional(),
  tags: tagsSchema.optional(),
})

export const accountHealthSpecSchema = z.object({
  kind: z.literal('account_health'),
  condition: z.discriminatedUnion('type', [
    /** Account status error with credentials_invalid / access_denied. */
    z.object({ type: z.literal('credentials_failing') }),
    /** No successful poll for more than lagMinutes. */
    z.object({ type: z.literal('polling_lag'), lagMinutes: z.number().int().min(1).max(10_080) }),
  ]),
  accountIds: z.array(z.uuid()).max(500).optional(),
  forMinutes: minutes(1440).default(0),
})

export const costSpecSchema = z.object({
  kind: z.literal('cost'),
  condition: z.discriminatedUnion('type', [
    /** The latest complete day's spend above `amount`. */
    z.object({ type: z.literal('daily_spend_above'), amount: z.number().positive() }),
    /** Month-to-date plus the daily average for the rest of the month above `budget`. */
    z.object({ type: z.literal('month_forecast_above'), budget: z.number().positive() }),
    /** The latest complete day more than `sigma` standard deviations above the previous days' mean. */
    z.object({
      type: z.literal('daily_anomaly'),
      sigma: z.number().positive().max(10).default(3),
      lookbackDays: z.number().int().min(7).max(60).default(14),
      /** Ignore days below this amount (a jump from $0.01 to $0.05 is not news). */
      minAmount: z.number().nonnegative().default(1),
    }),
  ]),
  accountIds: z.array(z.uuid()).max(500).optional(),
  service: z.string().min(1).max(200).optional(),
  /**
   * The currency of `amount`/`budget` (ISO 4217). Only costs billed in it are compared — never a sum
   * across currencies (Naver Cloud bills in KRW, the other clouds in USD; there is no exchange rate).
   * USD by default, which is what every rule meant before a cloud billed in anything else.
   */
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 currency code like USD or KRW')
    .default('USD'),
})

export const ruleSpecSchema = z.discriminatedUnion('kind', [
  metricThresholdSpecSchema,
  inventoryEventSpecSchema,
  accountHealthSpecSchema,
  costSpecSchema,
])
export type RuleSpec = z.infer<typeof ruleSpecSchema>
export type RuleSpecInput = z.input<typeof ruleSpecSchema>
export type MetricThresholdSpec = z.infer<typeof metricThresholdSpecSchema>
export type InventoryEventSpec = z.infer<typeof inventoryEventSpecSchema>
export type AccountHealthSpec = z.infer<typeof accountHealthSpecSchema>
export type CostSpec = z.infer<typeof costSpecSchema>

/** POST /api/v1/alert-rules */
export const createAlertRuleSchema = z.object({
  name: z.string().trim().min(1).max(200),
  description: z.string().max(2000).optional(),
  enabled: z.boolean().default(true),
  severity: severitySchema.default('warning'),
  /** Re-send a still-firing alert every N minutes (none when null/absent). */
  renotifyMinutes: z.number().int().min(5).max(10_080).nullable().optional(),
  endpointIds: z.array(z.uuid()).max(50).default([]),
  spec: ruleSpecSchema,
})
export type CreateAlertRuleInput = z.input<typeof createAlertRuleSchema>

/**
 * PATCH /api/v1/alert-rules/:id — every field optional and WITHOUT the create defaults: a PATCH that
 * changes only the threshold must not re-enable the rule, reset its severity or detach its endpoints.
 */
export const updateAlertRuleSchema = z.object({
  name: createAlertRuleSchema.shape.name.optional(),
  description: createAlertRuleSchema.shape.description,
  enabled: z.boolean().optional(),
  severity: severitySchema.optional(),
  renotifyMinutes: createAlertRuleSchema.shape.renotifyMinutes,
  endpointIds: z.array(z.uuid()).max(50).optional(),
  spec: ruleSpecSchema.optional(),
})
export type UpdateAlertRuleInput = z.input<typeof updateAlertRuleSchema>

export const WEBHOOK_FORMATS = ['standard', 'slack', 'pagerduty', 'alertmanager'] as const
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number]

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue'

const url = z.string().trim().min(1).max(2048)
/** POST /api/v1/webhooks. The URL is re-checked by the SSRF guard (assertSafeWebhookUrl) on save. */
export const createWebhookEndpointSchema = z.discriminatedUnion('format', [
  z.object({ format: z.literal('standard'), name: z.string().trim().min(1).max(200), url }),
  z.object({ format: z.literal('alertmanager'), name: z.string().trim().min(1).max(200), url }),
  z.object({ format: z.literal('slack'), name: z.string().trim().min(1).max(200), url }),
  z.object({
    format: z.literal('pagerduty'),
    name: z.string().trim().min(1).max(200),
    url: url.default(PAGERDUTY_EVENTS_URL),
    routingKey: z.string().trim().min(1).max(200),
  }),
])
export type CreateWebhookEndpointInput = z.input<typeof createWebhookEndpointSchema>

/** PATCH /api/v1/webhooks/:id (url and routingKey are write-only). */
export const updateWebhookEndpointSchema = z.object({
  name: z.string().trim().min(1).max(200).optional(),
  url: url.optional(),
  routingKey: z.string().trim().min(1).max(200).optional(),
  /** Re-enable a disabled endpoint (clears the failure state) or disable it by hand. */
  status: z.enum(['active', 'disabled']).optional(),
})
export type UpdateWebhookEndpointInput = z.input<typeof updateWebhookEndpointSchema>

/** POST /api/v1/webhooks/:id/rotate-secret */
export const rotateSecretSchema = z.object({
  /** How long the previous secret keeps signing (both signatures are sent meanwhile). */
  graceHours: z.number().min(0).max(168).default(24),
})

/** POST /api/v1/silences */
export const createSilenceSchema = z
  .object({
    ruleId: z.uuid().optional(),
    matchers: z.record(z.string().min(1).max(256), z.string().max(256)).default({}),
    startsAt: z.coerce.date(),
    endsAt: z.coerce.date(),
    comment: z.string().max(2000).default(''),
  })
  .refine((s) => s.endsAt > s.startsAt, { message: 'endsAt must be after startsAt', path: ['endsAt'] })
export type CreateSilenceInput = z.input<typeof createSilenceSchema>
