/**
 * `npm run worker`: one worker process. Any number may run against the same Redis and PostgreSQL.
 * SIGINT/SIGTERM → graceful shutdown (running jobs finish, or are released after the grace period).
 */
import { readFileSync } from 'node:fs'
import { AppError, createLogger, LocalKeyring, Vault } from '@cms/core'
import * as providersPkg from '@cms/providers'
import type { ProviderRegistry } from '@cms/providers'
import { loadSchedulerConfig } from '../config'
import { startWorker, type StartedWorker } from '../worker'

// Configuration and start-up errors end the process with their message alone (an uncaught error from the minified
// bundle would print a line of the bundle's source).
function fail(message: string): never {
  process.stderr.write(`worker: ${message}\n`)
  process.exit(1)
}
let cfg: ReturnType<typeof loadSchedulerConfig>
try {
  cfg = loadSchedulerConfig()
} catch (e) {
  fail((e as Error).message)
}
const log = createLogger({ name: 'worker', level: cfg.core.LOG_LEVEL })
if (!cfg.core.DATABASE_URL) fail('DATABASE_URL is required for the worker (postgres://…)')

// The providers package exports its registry as a value next to the ProviderRegistry type.
const registry = providersPkg as unknown as {
  providers?: ProviderRegistry
  registry?: ProviderRegistry
  ProviderRegistry?: ProviderRegistry
}
const providers = registry.providers ?? registry.registry ?? registry.ProviderRegistry
if (!providers) throw new AppError('internal', '@cms/providers exports no provider registry')

let worker: StartedWorker
try {
  worker = await startWorker({
    databaseUrl: cfg.core.DATABASE_URL,
    redisUrl: cfg.core.REDIS_URL,
    queuePrefix: cfg.core.CMS_QUEUE_PREFIX,
    vault: new Vault(LocalKeyring.fromString(cfg.core.CMS_MASTER_KEYS)),
    providers,
    endpoints: {
      aws: cfg.core.CMS_AWS_ENDPOINT,
      azure: cfg.core.CMS_AZURE_ENDPOINT,
      gcp: cfg.core.CMS_GCP_ENDPOINT,
      ncp: cfg.core.CMS_NCP_ENDPOINT,
      caPem: cfg.core.CMS_CLOUD_CA_FILE ? readFileSync(cfg.core.CMS_CLOUD_CA_FILE, 'utf8') : undefined,
    },
    ...(cfg.core.CMS_AWS_ACCESS_KEY_ID && cfg.core.CMS_AWS_SECRET_ACCESS_KEY
      ? {
          awsPoller: {
            accessKeyId: cfg.core.CMS_AWS_ACCESS_KEY_ID,
            secretAccessKey: cfg.core.CMS_AWS_SECRET_ACCESS_KEY,
          },
        }
      : {}),
    concurrency: cfg.env.CMS_WORKER_CONCURRENCY,
    httpPort: cfg.env.CMS_WORKER_HTTP_PORT,
    reconcileIntervalMs: cfg.env.CMS_RECONCILE_INTERVAL_MS,
    shutdownGraceMs: cfg.env.CMS_SHUTDOWN_GRACE_MS,
    logger: log,
  })
} catch (e) {
  log.error({ err: e }, 'worker failed to start')
  fail(`failed to start: ${(e as Error).message}`)
}

let stopping = false
const shutdown = (signal: string) => {
  if (stopping) return
  stopping = true
  log.info({ signal }, 'shutting down')
  worker.stop().then(
    () => process.exit(0),
    (e: unknown) => {
      log.error({ err: (e as Error).message }, 'shutdown failed')
      process.exit(1)
    },
  )
}
process.on('SIGINT', () => shutdown('SIGINT'))
process.on('SIGTERM', () => shutdown('SIGTERM'))
