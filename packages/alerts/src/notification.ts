/** What evaluation produces and delivery consumes. Plain JSON: it is stored as the delivery payload. */
import type { Severity } from './rules.schema'

export type NotificationStatus = 'firing' | 'resolved'

export interface AlertNotification {
  /**
   * Deterministic: `${fingerprint}:${incident}:${status}[:${renotify n}]`. The same transition evaluated
   * twice yields the same id, and deliveries are unique per (endpoint, id): no duplicate messages.
   */
  id: string
  tenantId: string
  ruleId: string
  ruleName: string
  ruleKind: string
  /** Stable per (rule, subject): PagerDuty dedup_key, Alertmanager fingerprint. */
  fingerprint: string
  /** 'event' for one-shot inventory notifications (no resolve follows). */
  status: NotificationStatus
  oneShot: boolean
  severity: Severity
  summary: string
  labels: Record<string, string>
  annotations: Record<string, string>
  value: number | null
  startsAt: string
  endsAt: string | null
  /** Webhook endpoints subscribed through the rule. */
  endpointIds: string[]
}

/** Event type names (Standard Webhooks `type`). */
export function eventTypeOf(n: Pick<AlertNotification, 'status' | 'oneShot'>): string {
  if (n.oneShot) return 'alert.event'
  return n.status === 'firing' ? 'alert.firing' : 'alert.resolved'
}
