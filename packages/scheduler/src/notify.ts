/**
 * For the web app (and the marketplace routes): tell the workers something changed, cheaply and safely
 * more often than needed.
 *   - notifyAccountChanged: an account was added/edited/paused/resumed/deleted → `schedules.reconcile`
 *     for that account (a worker reconciles its schedulers and, if active, runs discovery right away);
 *   - notifyTenantChanged: a tenant's plan or subscription changed → its accounts are reconciled (polling
 *     intervals, pause on a suspended/cancelled subscription). The periodic reconcile catches it anyway;
 *     this makes it immediate;
 *   - enqueueDelivery: a webhook delivery written to the outbox by @cms/alerts ("send test", "replay")
 *     → its `webhook.deliver` job. If this fails the outbox sweeper enqueues it within about a minute.
 */
import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import { loadConfig } from '@cms/core'
import { CATALOG, deliveryJobOptions, jobIds } from './catalog'
import { queuePrefix } from './config'

/** What @cms/alerts returns as a DeliveryJob (only the fields the queue needs). */
export interface DeliveryJobRef {
  tenantId: string
  deliveryId: string
  jobId: string
  delayMs: number
}

export interface Notifier {
  notifyAccountChanged(ids: { tenantId: string; accountId: string }): Promise<void>
  notifyTenantChanged(ids: { tenantId: string }): Promise<void>
  enqueueDelivery(job: DeliveryJobRef): Promise<void>
  close(): Promise<void>
}

export function createNotifier(opts: { redisUrl: string; queuePrefix?: string }): Notifier {
  const redis = new Redis(opts.redisUrl, { maxRetriesPerRequest: 3, lazyConnect: false })
  redis.on('error', () => {})
  const prefix = queuePrefix(opts.queuePrefix ?? 'cms')
  const maintenance = new Queue('maintenance', { connection: redis, prefix })
  let webhooks: Queue | undefined
  const spec = CATALOG.maintenance['schedules.reconcile']
  const reconcileOpts = (jobId: string) => ({
    jobId,
    attempts: spec.attempts,
    backoff: { type: 'exponential' as const, delay: spec.backoffMs },
    removeOnComplete: { age: 600 },
    removeOnFail: { age: 86_400 },
  })
  return {
    async notifyAccountChanged({ tenantId, accountId }) {
      const data = spec.schema.parse({ tenantId, accountId })
      await maintenance.add(
        'schedules.reconcile',
        data,
        reconcileOpts(jobIds.reconcileNow(accountId, Date.now())),
      )
    },
    async notifyTenantChanged({ tenantId }) {
      const data = spec.schema.parse({ tenantId })
      await maintenance.add(
        'schedules.reconcile',
        data,
        reconcileOpts(jobIds.reconcileTenantNow(tenantId, Date.now())),
      )
    },
    async enqueueDelivery(job) {
      const data = CATALOG.webhooks['webhook.deliver'].schema.parse({
        tenantId: job.tenantId,
        deliveryId: job.deliveryId,
      })
      webhooks ??= new Queue('webhooks', { connection: redis, prefix })
      await webhooks.add('webhook.deliver', data, deliveryJobOptions(job))
    },
    async close() {
      await Promise.all([maintenance.close(), webhooks?.close()])
      await redis.quit().catch(() => redis.disconnect())
    },
  }
}

let shared: Notifier | undefined
function sharedNotifier(): Notifier {
  const c = loadConfig()
  shared ??= createNotifier({ redisUrl: c.REDIS_URL, queuePrefix: c.CMS_QUEUE_PREFIX })
  return shared
}

/** notifyAccountChanged using the process config (REDIS_URL, CMS_QUEUE_PREFIX). */
export async function notifyAccountChanged(ids: { tenantId: string; accountId: string }): Promise<void> {
  await sharedNotifier().notifyAccountChanged(ids)
}

/** notifyTenantChanged using the process config. */
export async function notifyTenantChanged(ids: { tenantId: string }): Promise<void> {
  await sharedNotifier().notifyTenantChanged(ids)
}

/** Enqueue a webhook delivery job (from @cms/alerts' sendTestWebhook / replayDelivery) using the process config. */
export async function enqueueDelivery(job: DeliveryJobRef): Promise<void> {
  await sharedNotifier().enqueueDelivery(job)
}
