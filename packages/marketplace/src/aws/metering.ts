/**
 * Hourly usage metering to AWS Marketplace (BatchMeterUsage).
 *
 * Two steps, both idempotent:
 *  1. record: one row per (subscription, hour, dimension) with the quantity computed once — a retried
 *     job finds the row and never recomputes or duplicates it; idle hours record 0 (AWS asks for one
 *     record every hour per customer);
 *  2. send: pending rows in calls of ≤ 25 records (one product per call); Success and DuplicateRecord
 *     mark the row sent, CustomerNotSubscribed rejects it, UnprocessedRecords stay pending for the next
 *     run. AWS rejects records ≥ 6 h old, so older pending rows are left as they are and reported.
 */
import {
  BatchMeterUsageCommand,
  type MarketplaceMeteringClient,
  type UsageRecord,
} from '@aws-sdk/client-marketplace-metering'
import type { PrismaClient } from '@cms/db'

export const METERING_DIMENSION = 'monitored_resources'
const MAX_RECORDS_PER_CALL = 25
const MAX_AGE_MS = 6 * 3600_000

export function hourStart(d: Date): Date {
  return new Date(Math.floor(d.getTime() / 3600_000) * 3600_000)
}

/** Resources that existed at any moment of [hour, hour+1h), capped by the plan's monitored limit. */
export async function monitoredResourcesInHour(
  db: PrismaClient,
  tenantId: string,
  hour: Date,
): Promise<number> {
  const end = new Date(hour.getTime() + 3600_000)
  const [row] = await db.$queryRaw<Array<{ n: number; cap: number | null }>>`
    SELECT count(r.*)::int AS n, (p.limits->>'monitoredResources')::int AS cap
    FROM organization o JOIN plan p ON p.id = o.plan_id
    LEFT JOIN resource r ON r.tenant_id = o.id AND r.first_seen_at < ${end} AND (r.terminated_at IS NULL OR r.terminated_at >= ${hour})
    WHERE o.id = ${tenantId}::uuid
    GROUP BY p.limits`
  if (!row) return 0
  return row.cap === null ? row.n : Math.min(row.n, row.cap)
}

export async function recordHourlyUsage(db: PrismaClient, hour: Date): Promise<number> {
  const h = hourStart(hour)
  const subs = await db.marketplaceSubscription.findMany({
    where: {
      source: 'aws',
      status: { in: ['active', 'suspended'] },
      createdAt: { lt: new Date(h.getTime() + 3600_000) },
    },
    select: { id: true, tenantId: true },
  })
  let created = 0
  for (const s of subs) {
    const quantity = await monitoredResourcesInHour(db, s.tenantId, h)
    const n = await db.$executeRaw`
      INSERT INTO metering_record (tenant_id, subscription_id, hour, dimension, quantity)
      VALUES (${s.tenantId}::uuid, ${s.id}::uuid, ${h}, ${METERING_DIMENSION}, ${quantity})
      ON CONFLICT DO NOTHING`
    created += n
  }
  return created
}

export interface SendResult {
  calls: number
  sent: number
  duplicate: number
  rejected: number
  unprocessed: number
  tooOld: number
}

export async function sendPendingUsage(
  db: PrismaClient,
  metering: Pick<MarketplaceMeteringClient, 'send'>,
  now = new Date(),
): Promise<SendResult> {
  const res: SendResult = { calls: 0, sent: 0, duplicate: 0, rejected: 0, unprocessed: 0, tooOld: 0 }
  const pending = await db.meteringRecord.findMany({
    where: { status: 'pending' },
    include: {
      subscription: {
        select: { customerAccountId: true, licenseArn: true, customerIdentifier: true, productCode: true },
      },
    },
    orderBy: [{ hour: 'asc' }],
  })
  const fresh = pending.filter((p) => now.getTime() - p.hour.getTime() < MAX_AGE_MS)
  res.tooOld = pending.length - fresh.length
  // One product per call; LicenseArn-based records omit ProductCode (sending both double-bills).
  const groups = new Map<string, typeof fresh>()
  for (const p of fresh) {
    const key = p.subscription.licenseArn ? 'license' : `product:${p.subscription.productCode}`
    groups.set(key, [...(groups.get(key) ?? []), p])
  }
  for (const [key, rows] of groups) {
    for (let i = 0; i < rows.length; i += MAX_RECORDS_PER_CALL) {
      const batch = rows.slice(i, i + MAX_RECORDS_PER_CALL)
      const records: UsageRecord[] = batch.map((r) => ({
        Timestamp: r.hour,
        Dimension: r.dimension,
        Quantity: r.quantity,
        ...(r.subscription.licenseArn
          ? {
              CustomerAWSAccountId: r.subscription.customerAccountId ?? undefined,
              LicenseArn: r.subscription.licenseArn,
            }
          : { CustomerIdentifier: r.subscription.customerIdentifier ?? undefined }),
      }))
      // One where-clause for the whole batch: its attempts, and its error if the call fails.
      const batchWhere = {
        OR: batch.map((r) => ({
          tenantId: r.tenantId,
          subscriptionId: r.subscriptionId,
          hour: r.hour,
          dimension: r.dimension,
        })),
      }
      await db.meteringRecord.updateMany({
        where: batchWhere,
        data: { attempts: { increment: 1 } },
      })
      res.calls++
      let out
      try {
        out = await metering.send(
          new BatchMeterUsageCommand({
            UsageRecords: records,
            ...(key.startsWith('product:') ? { ProductCode: key.slice(8) } : {}),
          }),
        )
      } catch (e) {
        const msg = (e as { name?: string }).name ?? 'error'
        await db.meteringRecord.updateMany({
          where: {
            OR: batch.map((r) => ({
              tenantId: r.tenantId,
              subscriptionId: r.subscriptionId,
              hour: r.hour,
              dimension: r.dimension,
            })),
          },
          data: { lastError: msg },
        })
        res.unprocessed += batch.length
        continue
      }
      const match = (rec: UsageRecord | undefined) =>
        batch.find(
          (r) =>
            rec &&
            rec.Dimension === r.dimension &&
            rec.Timestamp?.getTime() === r.hour.getTime() &&
            (r.subscription.licenseArn
              ? rec.LicenseArn === r.subscription.licenseArn &&
                rec.CustomerAWSAccountId === r.subscription.customerAccountId
              : rec.CustomerIdentifier === r.subscription.customerIdentifier),
        )
      for (const result of out.Results ?? []) {
        const row = match(result.UsageRecord)
        if (!row) continue
        const status =
          result.Status === 'Success'
            ? 'sent'
            : result.Status === 'DuplicateRecord'
              ? 'duplicate'
              : 'rejected'
        res[status === 'sent' ? 'sent' : status === 'duplicate' ? 'duplicate' : 'rejected']++
        await db.meteringRecord.update({
          where: {
            tenantId_subscriptionId_hour_dimension: {
              tenantId: row.tenantId,
              subscriptionId: row.subscriptionId,
              hour: row.hour,
              dimension: row.dimension,
            },
          },
          data: {
            status,
            externalRecordId: result.MeteringRecordId ?? null,
            sentAt: now,
            lastError: status === 'rejected' ? (result.Status ?? null) : null,
          },
        })
      }
      res.unprocessed += out.UnprocessedRecords?.length ?? 0
    }
  }
  return res
}
