/**
 * Inventory event rules: one-shot notifications for resource.created / resource.terminated /
 * resource.state_changed, called by the scheduler after a discovery batch is stored. Idempotent: the
 * same event (same id, or same type + resource + time) never notifies twice. The instance rows (the
 * idempotency record) and the outbox deliveries are written in one transaction, so a crash between them
 * cannot leave an event "already notified" with nothing to deliver (issue 18).
 */
import type { PrismaClient } from '@cms/db'
import {
  activeSilences,
  fingerprintOf,
  isSilenced,
  loadRules,
  persistAtomically,
  type EvaluationResult,
} from './evaluate'
import type { AlertNotification } from './notification'
import type { InventoryEventType } from './rules.schema'

export interface InventoryEvent {
  /** `resource.updated` (the scheduler's event) counts as state_changed when the state differs. */
  type: InventoryEventType | 'resource.updated'
  resourceId: string
  /** When discovery saw it. */
  at: Date | string
  /** A stable event id (e.g. resource_event.id) makes replays exact; otherwise type+resource+at. */
  eventId?: string | number | bigint
  previousState?: string | null
  state?: string | null
}

export async function handleInventoryEvents(
  db: PrismaClient,
  input: { tenantId: string; events: InventoryEvent[]; now?: Date },
): Promise<EvaluationResult> {
  const now = input.now ?? new Date()
  const { tenantId } = input
  const events = input.events.flatMap((e) => {
    if (e.type !== 'resource.updated') return [{ ...e, type: e.type as InventoryEventType }]
    return e.previousState && e.state && e.previousState !== e.state
      ? [{ ...e, type: 'resource.state_changed' as const }]
      : []
  })
  if (events.length === 0) return { notifications: [], deliveries: [] }
  const rules = await loadRules(db, tenantId, 'inventory_event')
  if (rules.length === 0) return { notifications: [], deliveries: [] }
  const resources = await db.resource.findMany({
    where: { tenantId, id: { in: [...new Set(events.map((e) => e.resourceId))] } },
    select: {
      id: true,
      name: true,
      nativeId: true,
      type: true,
      region: true,
      accountId: true,
      cloud: true,
      state: true,
      tags: true,
    },
  })
  const byId = new Map(resources.map((r) => [r.id, r]))
  const silences = await activeSilences(db, tenantId, now)
  return persistAtomically(db, async (tx) => {
    const produced: Array<{ notification: AlertNotification; instanceId: string | null }> = []
    for (const e of events) {
      const r = byId.get(e.resourceId)
      if (!r) continue
      const at = new Date(e.at)
      const tags = (r.tags ?? {}) as Record<string, string>
      for (const rule of rules) {
        const spec = rule.spec
        if (!spec.events.includes(e.type)) continue
        if (spec.resourceTypes && !spec.resourceTypes.includes(r.type)) continue
        if (spec.accountIds && !spec.accountIds.includes(r.accountId)) continue
        if (spec.tags && !Object.entries(spec.tags).every(([k, v]) => tags[k] === v)) continue
        const subjectKey = `event:${e.eventId !== undefined ? String(e.eventId) : `${e.type}:${r.id}:${at.toISOString()}`}`
        const fingerprint = fingerprintOf(rule.id, subjectKey)
        const name = r.name ?? r.nativeId
        const labels: Record<string, string> = {
          event: e.type,
          resource: name,
          resource_id: r.id,
          native_id: r.nativeId,
          resource_type: r.type,
          region: r.region,
          account_id: r.accountId,
          cloud: r.cloud,
          state: e.state ?? r.state,
          rule_id: rule.id,
          rule: rule.name,
          severity: rule.severity,
          kind: 'inventory_event',
        }
        const verb = {
          'resource.created': 'created',
          'resource.terminated': 'terminated',
          'resource.state_changed': 'changed state',
        }[e.type]
        const summary =
          e.type === 'resource.state_changed'
            ? `${r.type} ${name} (${r.region}) changed state ${e.previousState} → ${e.state}`
            : `${r.type} ${name} (${r.region}) was ${verb}`
        const silenced = isSilenced(silences, rule.id, labels)
        // The instance row is the idempotency record: created once per event.
        const created = await tx.alertInstance.createManyAndReturn({
          data: [
            {
              tenantId,
              ruleId: rule.id,
              fingerprint,
              subjectKey,
              labels,
              state: 'event',
              summary,
              incident: 1,
              firingSince: at,
              lastEvalAt: now,
              lastNotifiedAt: silenced ? null : now,
              notifyCount: silenced ? 0 : 1,
              notified: !silenced,
            },
          ],
          skipDuplicates: true,
          select: { id: true },
        })
        const instance = created[0]
        if (!instance || silenced) continue
        produced.push({
          instanceId: instance.id,
          notification: {
            id: `${fingerprint}:1:firing`,
            tenantId,
            ruleId: rule.id,
            ruleName: rule.name,
            ruleKind: 'inventory_event',
            fingerprint,
            status: 'firing',
            oneShot: true,
            severity: rule.severity,
            summary,
            labels,
            annotations: e.previousState ? { previous_state: e.previousState } : {},
            value: null,
            startsAt: at.toISOString(),
            endsAt: null,
            endpointIds: rule.endpointIds,
          },
        })
      }
    }
    return produced
  })
}
