/**
 * Marketplace housekeeping (@cms/marketplace does the work; these are the scheduled entry points):
 *   - `metering.run` (hourly): record the previous hour's usage once per subscription, then send every
 *     pending record with BatchMeterUsage. Both steps are idempotent, so a retried or doubled run never
 *     bills twice. Without our AWS poller keys there is nothing to send to: the job says so and stops.
 *   - `subscriptions.purge` (daily): delete tenants whose cancelled subscription passed its grace period.
 */
import { MarketplaceMeteringClient } from '@aws-sdk/client-marketplace-metering'
import {
  hourStart,
  purgeCancelledTenants,
  recordHourlyUsage,
  sendPendingUsage,
  type SendResult,
} from '@cms/marketplace'
import type { Runtime } from './runtime'

/** Our metering client: AWS Marketplace lives in us-east-1, called with the poller keys (CMS_AWS_*). */
export function meteringClientFor(o: {
  endpoint?: string | undefined
  awsPoller?: { accessKeyId: string; secretAccessKey: string } | undefined
}): MarketplaceMeteringClient | null {
  if (!o.awsPoller) return null
  return new MarketplaceMeteringClient({
    region: 'us-east-1',
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    credentials: o.awsPoller,
    maxAttempts: 3,
  })
}

export async function runMetering(
  rt: Runtime,
): Promise<({ recorded: number } & SendResult) | { skipped: 'metering not configured' }> {
  if (!rt.metering) return { skipped: 'metering not configured' }
  const now = rt.now()
  const recorded = await recordHourlyUsage(rt.prisma, hourStart(new Date(now.getTime() - 3600_000)))
  const sent = await sendPendingUsage(rt.prisma, rt.metering, now)
  if (sent.tooOld > 0)
    rt.log.warn({ tooOld: sent.tooOld }, 'metering records older than 6 h can no longer be sent')
  return { recorded, ...sent }
}

export async function runPurge(rt: Runtime): Promise<{ due: number }> {
  const ids = await purgeCancelledTenants(rt.prisma, rt.now())
  if (ids.length > 0)
    rt.log.info(
      { tenants: ids.length },
      'cancelled subscriptions past their grace period: tenants purged unless another subscription keeps them',
    )
  return { due: ids.length }
}
