/**
 * Account health rules: credentials failing, or polling lag (no successful poll for too long). The
 * scheduler calls this after each poll outcome (with the account) and from a periodic sweep (without).
 */
import type { PrismaClient } from '@cms/db'
import {
  activeSilences,
  applyObservations,
  mergeResults,
  persistAtomically,
  loadRules,
  type EvaluationResult,
  type Observation,
} from './evaluate'

const CREDENTIAL_CODES = new Set(['credentials_invalid', 'access_denied'])

export async function evaluateAccountHealth(
  db: PrismaClient,
  input: { tenantId: string; accountIds?: string[]; now?: Date },
): Promise<EvaluationResult> {
  const now = input.now ?? new Date()
  const rules = await loadRules(db, input.tenantId, 'account_health')
  if (rules.length === 0) return { notifications: [], deliveries: [] }
  const accounts = await db.cloudAccount.findMany({
    where: { tenantId: input.tenantId, ...(input.accountIds ? { id: { in: input.accountIds } } : {}) },
    select: {
      id: true,
      name: true,
      cloud: true,
      status: true,
      lastErrorCode: true,
      lastSuccessAt: true,
      createdAt: true,
      pausedAt: true,
    },
  })
  const silences = await activeSilences(db, input.tenantId, now)
  // One transaction per rule: its instance updates and their outbox rows commit together.
  const results: EvaluationResult[] = []
  for (const rule of rules) {
    const spec = rule.spec
    const observations: Observation[] = []
    for (const a of accounts) {
      if (spec.accountIds && !spec.accountIds.includes(a.id)) continue
      // A paused account is not polled on purpose: never "failing", resolves anything open.
      const paused = a.status === 'paused' || a.pausedAt !== null
      const labels = { account: a.name, account_id: a.id, cloud: a.cloud }
      if (spec.condition.type === 'credentials_failing') {
        const active = !paused && a.status === 'error' && CREDENTIAL_CODES.has(a.lastErrorCode ?? '')
        observations.push({
          subjectKey: `account:${a.id}:credentials`,
          labels,
          active,
          value: null,
          summary: active
            ? `Cloud account ${a.name}: credentials are failing (${a.lastErrorCode})`
            : `Cloud account ${a.name}: credentials work again`,
        })
      } else {
        const since = a.lastSuccessAt ?? a.createdAt
        const lagMin = (now.getTime() - since.getTime()) / 60_000
        const active = !paused && lagMin > spec.condition.lagMinutes
        observations.push({
          subjectKey: `account:${a.id}:lag`,
          labels,
          active,
          value: Math.round(lagMin),
          summary: active
            ? `Cloud account ${a.name}: no successful poll for ${Math.round(lagMin)} min (limit ${spec.condition.lagMinutes})`
            : `Cloud account ${a.name}: polling is up to date`,
        })
      }
    }
    if (observations.length === 0) continue
    results.push(
      await persistAtomically(db, (tx) =>
        applyObservations(tx, rule, observations, { now, forMinutes: spec.forMinutes, silences }),
      ),
    )
  }
  return mergeResults(results)
}
