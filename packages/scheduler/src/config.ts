/**
 * Worker process configuration: the product config from @cms/core plus the scheduler's own knobs, one
 * zod schema parsed once at start. Everything here can also be passed to `startWorker` directly (tests,
 * the demo), so no code path reads the environment except through @cms/core.
 */
import { z } from 'zod'
import { AppError, loadConfig, processEnv, type Config } from '@cms/core'

export const schedulerEnvSchema = z.object({
  /** Jobs processed at once per queue per process. */
  CMS_WORKER_CONCURRENCY: z.coerce.number().int().positive().default(8),
  /** Port for /healthz and /metrics; 0 = any free port, unset = no HTTP server. */
  CMS_WORKER_HTTP_PORT: z.coerce.number().int().min(0).optional(),
  /** How often every worker re-reconciles schedules from the database (safety net for a flushed Redis). */
  CMS_RECONCILE_INTERVAL_MS: z.coerce.number().int().positive().default(60_000),
  /** How long a worker waits for running jobs on shutdown before releasing them. */
  CMS_SHUTDOWN_GRACE_MS: z.coerce.number().int().positive().default(20_000),
})
export type SchedulerEnv = z.infer<typeof schedulerEnvSchema>

export interface SchedulerConfig {
  core: Config
  env: SchedulerEnv
}

export function loadSchedulerConfig(): SchedulerConfig {
  const r = schedulerEnvSchema.safeParse(processEnv())
  if (!r.success) {
    const problems = r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
    throw new AppError('bad_request', `Invalid worker configuration — ${problems.join('; ')}`, { problems })
  }
  return { core: loadConfig(), env: r.data }
}

/** The BullMQ prefix, hash-tagged so every key of every queue lands in one Redis Cluster slot. */
export function queuePrefix(raw: string): string {
  return raw.startsWith('{') ? raw : `{${raw}}`
}
