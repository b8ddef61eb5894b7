/**
 * Shared evaluation plumbing: load rules, match silences, apply observations through the state
 * machine, persist instances, and turn transitions into notifications and outbox deliveries.
 */
import { createHash } from 'node:crypto'
import type { Prisma, PrismaClient } from '@cms/db'
import { enqueueDeliveries, type DeliveryJob } from './deliveries'
import type { AlertNotification } from './notification'
import { ruleSpecSchema, type RuleSpec, type Severity } from './rules.schema'
import { INITIAL_STATE, transition, type AlertState, type InstanceState } from './state-machine'

export interface LoadedRule<S extends RuleSpec = RuleSpec> {
  id: string
  tenantId: string
  name: string
  severity: Severity
  renotifyMinutes: number | null
  spec: S
  endpointIds: string[]
}

/** What an evaluator saw for one subject of one rule. */
export interface Observation {
  subjectKey: string
  labels: Record<string, string>
  active: boolean
  value: number | null
  summary: string
  annotations?: Record<string, string>
}

export interface EvaluationResult {
  notifications: AlertNotification[]
  /** Outbox rows created; enqueue one job per entry with `jobId`. */
  deliveries: DeliveryJob[]
}

export const fingerprintOf = (ruleId: string, subjectKey: string): string =>
  createHash('sha256').update(`${ruleId}\n${subjectKey}`).digest('hex').slice(0, 32)

export async function loadRules<K extends RuleSpec['kind']>(
  db: PrismaClient,
  tenantId: string,
  kind: K,
): Promise<Array<LoadedRule<Extract<RuleSpec, { kind: K }>>>> {
  const rows = await db.alertRule.findMany({
    where: { tenantId, kind, enabled: true },
    include: { endpoints: { select: { endpointId: true } } },
  })
  const out: Array<LoadedRule<Extract<RuleSpec, { kind: K }>>> = []
  for (const r of rows) {
    // A stored spec that no longer parses (schema moved on) is skipped, not fatal for the others.
    const spec = ruleSpecSchema.safeParse(r.spec)
    if (!spec.success || spec.data.kind !== kind) continue
    out.push({
      id: r.id,
      tenantId: r.tenantId,
      name: r.name,
      severity: r.severity as Severity,
      renotifyMinutes: r.renotifyMinutes,
      spec: spec.data as Extract<RuleSpec, { kind: K }>,
      endpointIds: r.endpoints.map((e) => e.endpointId),
    })
  }
  return out
}

interface SilenceRow {
  ruleId: string | null
  matchers: Prisma.JsonValue
}

export async function activeSilences(db: PrismaClient, tenantId: string, now: Date): Promise<SilenceRow[]> {
  return db.alertSilence.findMany({
    where: { tenantId, startsAt: { lte: now }, endsAt: { gt: now } },
    select: { ruleId: true, matchers: true },
  })
}

export function isSilenced(silences: SilenceRow[], ruleId: string, labels: Record<string, string>): boolean {
  return silences.some((s) => {
    if (s.ruleId !== null && s.ruleId !== ruleId) return false
    const m = (s.matchers ?? {}) as Record<string, string>
    return Object.entries(m).every(([k, v]) => labels[k] === v)
  })
}

function ruleLabels(rule: LoadedRule): Record<string, string> {
  return { rule_id: rule.id, rule: rule.name, severity: rule.severity, kind: rule.spec.kind }
}

function notificationFor(
  rule: LoadedRule,
  fingerprint: string,
  state: InstanceState,
  notify: { status: 'firing'; renotify: number } | { status: 'resolved' },
  obs: Observation,
  now: Date,
): AlertNotification {
  const suffix = notify.status === 'firing' && notify.renotify > 0 ? `:r${notify.renotify}` : ''
  return {
    id: `${fingerprint}:${state.incident}:${notify.status}${suffix}`,
    tenantId: rule.tenantId,
    ruleId: rule.id,
    ruleName: rule.name,
    ruleKind: rule.spec.kind,
    fingerprint,
    status: notify.status,
    oneShot: false,
    severity: rule.severity,
    summary: obs.summary,
    labels: { ...obs.labels, ...ruleLabels(rule) },
    annotations: obs.annotations ?? {},
    value: obs.value,
    startsAt: (state.firingSince ?? now).toISOString(),
    endsAt: notify.status === 'resolved' ? (state.resolvedAt ?? now).toISOString() : null,
    endpointIds: rule.endpointIds,
  }
}

/**
 * Apply one evaluation round of a rule. Only subjects present in `observations` move; subjects not
 * observed this round (no data, or outside an incremental batch) keep their state.
 */
export async function applyObservations(
  db: PrismaClient | Prisma.TransactionClient,
  rule: LoadedRule,
  observations: Observation[],
  opts: { now: Date; forMinutes: number; silences: SilenceRow[] },
): Promise<Array<{ notification: AlertNotification; instanceId: string }>> {
  if (observations.length === 0) return []
  const byFp = new Map(observations.map((o) => [fingerprintOf(rule.id, o.subjectKey), o]))
  const existing = await db.alertInstance.findMany({
    where: { tenantId: rule.tenantId, fingerprint: { in: [...byFp.keys()] } },
  })
  const current = new Map(existing.map((e) => [e.fingerprint, e]))
  const out: Array<{ notification: AlertNotification; instanceId: string }> = []
  for (const [fp, obs] of byFp) {
    const row = current.get(fp)
    // Nothing to remember for a subject that is fine and never alerted.
    if (!row && !obs.active) continue
    const prev: InstanceState = row
      ? {
          state: row.state as AlertState,
          incident: row.incident,
          pendingSince: row.pendingSince,
          firingSince: row.firingSince,
          resolvedAt: row.resolvedAt,
          lastNotifiedAt: row.lastNotifiedAt,
          notifyCount: row.notifyCount,
          notified: row.notified,
        }
      : INITIAL_STATE
    const labels = { ...obs.labels, ...ruleLabels(rule) }
    const { next, notify } = transition(prev, {
      active: obs.active,
      now: opts.now,
      forMs: opts.forMinutes * 60_000,
      renotifyMs: rule.renotifyMinutes ? rule.renotifyMinutes * 60_000 : null,
      silenced: isSilenced(opts.silences, rule.id, labels),
    })
    // Settled and unchanged (ok before, ok now): no write, so a quiet estate costs no row updates.
    if (
      row &&
      !notify &&
      next.state === prev.state &&
      (next.state === 'inactive' || next.state === 'resolved')
    )
      continue
    const data = {
      labels,
      state: next.state,
      value: obs.value,
      summary: obs.summary,
      incident: next.incident,
      pendingSince: next.pendingSince,
      firingSince: next.firingSince,
      resolvedAt: next.resolvedAt,
      lastEvalAt: opts.now,
      lastNotifiedAt: next.lastNotifiedAt,
      notifyCount: next.notifyCount,
      notified: next.notified,
    }
    const saved = await db.alertInstance.upsert({
      where: { tenantId_fingerprint: { tenantId: rule.tenantId, fingerprint: fp } },
      create: {
        tenantId: rule.tenantId,
        ruleId: rule.id,
        fingerprint: fp,
        subjectKey: obs.subjectKey,
        ...data,
      },
      update: data,
      select: { id: true },
    })
    if (notify)
      out.push({ notification: notificationFor(rule, fp, next, notify, obs, opts.now), instanceId: saved.id })
  }
  return out
}

/**
 * The write phase of an evaluation, atomic: `write` records what was decided (alert instances: the
 * idempotency record that stops a re-run from notifying again) and its notifications become outbox
 * deliveries in the same transaction. A crash after the instances and before the deliveries would
 * otherwise lose the notification for good — the re-run finds the instance and stays quiet; here both
 * commit or neither does, and the job's retry decides again.
 */
export async function persistAtomically(
  db: PrismaClient,
  write: (
    tx: Prisma.TransactionClient,
  ) => Promise<Array<{ notification: AlertNotification; instanceId: string | null }>>,
): Promise<EvaluationResult> {
  return db.$transaction(
    async (tx) => {
      const produced = await write(tx)
      const deliveries = produced.length ? await enqueueDeliveries(tx, produced) : []
      return { notifications: produced.map((p) => p.notification), deliveries }
    },
    { timeout: 60_000, maxWait: 30_000 },
  )
}

/** Several evaluation results as one. */
export function mergeResults(results: EvaluationResult[]): EvaluationResult {
  return {
    notifications: results.flatMap((r) => r.notifications),
    deliveries: results.flatMap((r) => r.deliveries),
  }
}
