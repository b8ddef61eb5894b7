/**
 * For the web app: tell the workers an account was added, changed, paused, resumed or deleted. Enqueues
 * a `schedules.reconcile` job for that account (a worker reconciles its schedulers from the database
 * and, if the account is active, runs discovery right away). Cheap; safe to call more than needed.
 */
import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import { loadConfig } from '@cms/core'
import { CATALOG, jobIds } from './catalog'
import { queuePrefix } from './config'

export interface Notifier {
  notifyAccountChanged(ids: { tenantId: string; accountId: string }): Promise<void>
  close(): Promise<void>
}

export function createNotifier(opts: { redisUrl: string; queuePrefix?: string }): Notifier {
  const redis = new Redis(opts.redisUrl, { maxRetriesPerRequest: 3, lazyConnect: false })
  redis.on('error', () => {})
  const queue = new Queue('maintenance', { connection: redis, prefix: queuePrefix(opts.queuePrefix ?? 'cms') })
  const spec = CATALOG.maintenance['schedules.reconcile']
  return {
    async notifyAccountChanged({ tenantId, accountId }) {
      const data = spec.schema.parse({ tenantId, accountId })
      await queue.add('schedules.reconcile', data, {
        jobId: jobIds.reconcileNow(accountId, Date.now()),
        attempts: spec.attempts,
        backoff: { type: 'exponential', delay: spec.backoffMs },
        removeOnComplete: { age: 600 },
        removeOnFail: { age: 86_400 },
      })
    },
    async close() {
      await queue.close()
      await redis.quit().catch(() => redis.disconnect())
    },
  }
}

let shared: Notifier | undefined
/** notifyAccountChanged using the process config (REDIS_URL, CMS_QUEUE_PREFIX). */
export async function notifyAccountChanged(ids: { tenantId: string; accountId: string }): Promise<void> {
  const c = loadConfig()
  shared ??= createNotifier({ redisUrl: c.REDIS_URL, queuePrefix: c.CMS_QUEUE_PREFIX })
  await shared.notifyAccountChanged(ids)
}
