/**
 * Cost rules, evaluated after the billing job stores daily costs. "Latest day" is the latest complete
 * UTC day (before today) that has cost rows: bills arrive a day late, and today is never complete.
 */
import { Prisma, type PrismaClient } from '@cms/db'
import {
  activeSilences,
  applyObservations,
  mergeResults,
  persistAtomically,
  loadRules,
  type EvaluationResult,
  type Observation,
} from './evaluate'

const DAY = 86_400_000
const dayKey = (d: Date) => d.toISOString().slice(0, 10)

export async function evaluateCostRules(
  db: PrismaClient,
  input: { tenantId: string; now?: Date },
): Promise<EvaluationResult> {
  const now = input.now ?? new Date()
  const rules = await loadRules(db, input.tenantId, 'cost')
  if (rules.length === 0) return { notifications: [], deliveries: [] }
  const silences = await activeSilences(db, input.tenantId, now)
  const today = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()))
  // One transaction per rule: its instance updates and their outbox rows commit together.
  const results: EvaluationResult[] = []
  for (const rule of rules) {
    const spec = rule.spec
    const lookback = spec.condition.type === 'daily_anomaly' ? spec.condition.lookbackDays + 1 : 0
    const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1))
    const from = new Date(Math.min(monthStart.getTime(), today.getTime() - Math.max(lookback, 2) * DAY))
    // Only the rule's currency: a KRW bill (NCP) added to a USD one would be a number in no currency.
    const currency = spec.currency
    const rows = await db.$queryRaw<Array<{ day: Date; amount: number }>>`
      SELECT day, sum(amount)::float8 AS amount FROM daily_cost
      WHERE tenant_id = ${input.tenantId}::uuid AND day >= ${from}::date AND day < ${today}::date
        AND currency = ${currency}
        ${spec.accountIds ? Prisma.sql`AND account_id = ANY(${spec.accountIds}::uuid[])` : Prisma.empty}
        ${spec.service ? Prisma.sql`AND service = ${spec.service}` : Prisma.empty}
      GROUP BY day ORDER BY day`
    const byDay = new Map(rows.map((r) => [dayKey(r.day), r.amount]))
    const latest = rows.at(-1)
    if (!latest) continue
    const latestDay = dayKey(latest.day)
    const money = (v: number) => `${v.toFixed(2)} ${currency}`
    const labels: Record<string, string> = {
      day: latestDay,
      ...(spec.service ? { service: spec.service } : {}),
    }
    let obs: Observation
    const c = spec.condition
    if (c.type === 'daily_spend_above') {
      obs = {
        subjectKey: 'cost:daily',
        labels,
        active: latest.amount > c.amount,
        value: latest.amount,
        summary: `Spend on ${latestDay} was ${money(latest.amount)} (limit ${money(c.amount)})`,
      }
    } else if (c.type === 'month_forecast_above') {
      const elapsed = Math.round((today.getTime() - monthStart.getTime()) / DAY)
      if (elapsed === 0) continue // 1st of the month: nothing to extrapolate from
      const daysInMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 0)).getUTCDate()
      const mtd = rows.filter((r) => r.day >= monthStart).reduce((s, r) => s + r.amount, 0)
      const forecast = mtd + (mtd / elapsed) * (daysInMonth - elapsed)
      obs = {
        subjectKey: `cost:forecast:${monthStart.toISOString().slice(0, 7)}`,
        labels: {
          month: monthStart.toISOString().slice(0, 7),
          ...(spec.service ? { service: spec.service } : {}),
        },
        active: forecast > c.budget,
        value: forecast,
        summary: `Month forecast ${money(forecast)} (month to date ${money(mtd)}) vs budget ${money(c.budget)}`,
      }
    } else {
      // Previous lookbackDays days before the latest day; a day without rows counts as 0.
      const prev: number[] = []
      for (let i = 1; i <= c.lookbackDays; i++) {
        prev.push(byDay.get(dayKey(new Date(latest.day.getTime() - i * DAY))) ?? 0)
      }
      const mean = prev.reduce((s, v) => s + v, 0) / prev.length
      const sd = Math.sqrt(prev.reduce((s, v) => s + (v - mean) ** 2, 0) / prev.length)
      // A perfectly flat history (sd = 0) would make any cent an infinite-sigma outlier: floor sd at 5 % of the mean.
      const limit = mean + c.sigma * Math.max(sd, mean * 0.05)
      obs = {
        subjectKey: 'cost:anomaly',
        labels,
        active: latest.amount >= c.minAmount && latest.amount > limit,
        value: latest.amount,
        summary: `Spend on ${latestDay} was ${money(latest.amount)}; the previous ${c.lookbackDays} days averaged ${money(mean)} (σ ${money(sd)}, limit ${money(limit)})`,
        annotations: { mean: mean.toFixed(2), stddev: sd.toFixed(2), limit: limit.toFixed(2) },
      }
    }
    results.push(
      await persistAtomically(db, (tx) =>
        applyObservations(tx, rule, [obs], { now, forMinutes: 0, silences }),
      ),
    )
  }
  return mergeResults(results)
}
