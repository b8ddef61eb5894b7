/**
 * One notification → one HTTP request, per endpoint format. Pure: no I/O, no clock (the caller passes
 * the message id and timestamp so the webhook-id stays stable across retries).
 */
import type { AlertNotification } from './notification'
import type { WebhookFormat } from './rules.schema'
import { standardWebhookHeaders } from './signing'

/** An endpoint with its secrets decrypted. Lives only in memory for one send; never logged. */
export interface ResolvedEndpoint {
  id: string
  tenantId: string
  format: WebhookFormat
  url: string
  /** Active signing secrets, newest first. */
  secrets: string[]
  routingKey?: string
}

export interface DeliveryContext {
  /** webhook-id: the delivery id, identical on every retry (the receiver's idempotency key). */
  msgId: string
  timestampSec: number
  eventType: string
  /** Link back to the product (Alertmanager externalURL, generatorURL). */
  externalUrl: string
}

export interface HttpDelivery {
  url: string
  method: 'POST'
  headers: Record<string, string>
  body: string
}

const SLACK_EMOJI: Record<AlertNotification['severity'], string> = {
  critical: ':red_circle:',
  error: ':large_orange_circle:',
  warning: ':warning:',
  info: ':information_source:',
}

function standardBody(n: AlertNotification, ctx: DeliveryContext): unknown {
  return {
    type: ctx.eventType,
    timestamp: new Date(ctx.timestampSec * 1000).toISOString(),
    data: {
      id: n.id,
      ruleId: n.ruleId,
      ruleName: n.ruleName,
      ruleKind: n.ruleKind,
      fingerprint: n.fingerprint,
      status: n.status,
      severity: n.severity,
      summary: n.summary,
      labels: n.labels,
      annotations: n.annotations,
      value: n.value,
      startsAt: n.startsAt,
      endsAt: n.endsAt,
    },
  }
}

function slackBody(n: AlertNotification): unknown {
  const head = n.oneShot
    ? `${SLACK_EMOJI[n.severity]} ${n.ruleName}`
    : n.status === 'firing'
      ? `${SLACK_EMOJI[n.severity]} [FIRING] ${n.ruleName}`
      : `:white_check_mark: [RESOLVED] ${n.ruleName}`
  const labels = Object.entries(n.labels)
    .map(([k, v]) => `*${k}*: ${v}`)
    .join('  ')
  // Slack escapes: &, <, > are control characters in mrkdwn.
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
  return {
    text: esc(`${head}: ${n.summary}`),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: esc(`${head}\n${n.summary}`) } },
      ...(labels
        ? [{ type: 'context', elements: [{ type: 'mrkdwn', text: esc(labels).slice(0, 3000) }] }]
        : []),
    ],
  }
}

function pagerDutyBody(n: AlertNotification, routingKey: string): unknown {
  if (n.status === 'resolved') {
    return { routing_key: routingKey, event_action: 'resolve', dedup_key: n.fingerprint }
  }
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: n.fingerprint,
    payload: {
      summary: `${n.ruleName}: ${n.summary}`.slice(0, 1024),
      source: n.labels.resource ?? n.labels.account ?? 'cms',
      severity: n.severity,
      timestamp: n.startsAt,
      custom_details: { ...n.labels, ...n.annotations, value: n.value },
    },
  }
}

function alertmanagerBody(n: AlertNotification, ctx: DeliveryContext): unknown {
  const labels = { alertname: n.ruleName, severity: n.severity, ...n.labels }
  const annotations = { summary: n.summary, ...n.annotations }
  return {
    version: '4',
    groupKey: `{}:{rule_id="${n.ruleId}"}`,
    truncatedAlerts: 0,
    status: n.status,
    receiver: 'cms',
    groupLabels: { alertname: n.ruleName },
    commonLabels: labels,
    commonAnnotations: annotations,
    externalURL: ctx.externalUrl,
    alerts: [
      {
        status: n.status,
        labels,
        annotations,
        startsAt: n.startsAt,
        // Alertmanager convention: zero time while firing.
        endsAt: n.endsAt ?? '0001-01-01T00:00:00Z',
        generatorURL: `${ctx.externalUrl.replace(/\/$/, '')}/alerts/rules/${n.ruleId}`,
        fingerprint: n.fingerprint,
      },
    ],
  }
}

type BodyBuilder = (n: AlertNotification, ctx: DeliveryContext, endpoint: ResolvedEndpoint) => unknown
const BODY: Record<WebhookFormat, BodyBuilder> = {
  standard: standardBody,
  alertmanager: alertmanagerBody,
  slack: (n) => slackBody(n),
  pagerduty: (n, _ctx, endpoint) => pagerDutyBody(n, endpoint.routingKey ?? ''),
}

/** Build the request for one endpoint. Standard and Alertmanager formats are signed (Standard Webhooks). */
export function buildDelivery(
  endpoint: ResolvedEndpoint,
  notification: AlertNotification,
  ctx: DeliveryContext,
): HttpDelivery {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'CMS-Webhooks/1.0',
  }
  const body = JSON.stringify(BODY[endpoint.format](notification, ctx, endpoint))
  if (endpoint.format === 'standard' || endpoint.format === 'alertmanager') {
    Object.assign(headers, standardWebhookHeaders(endpoint.secrets, ctx.msgId, ctx.timestampSec, body))
  }
  return { url: endpoint.url, method: 'POST', headers, body }
}
