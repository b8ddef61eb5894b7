/**
 * Process-wide services of the web app, created lazily on first use from @cms/core's config (so
 * `next build` never needs a database, and tests set the environment before the first request).
 *
 *   app    Prisma as cms_app   — tenant data, always through forTenant() (RLS applies)
 *   worker Prisma as cms_worker — auth tables (cross-tenant by nature) and API-key lookup by hash
 *   pool   pg as cms_app       — raw time-series / aggregate reads, through tenantQuery()
 *   redis  ioredis             — state every web process must share: login lockout, auth rate limits
 *          (keys under `{CMS_QUEUE_PREFIX}:auth:`, hash-tagged like the queues)
 */
import { AppError, LocalKeyring, Vault, createLogger, loadConfig, type Config, type Logger } from '@cms/core'
import { createPool, createPrisma, type PrismaClient } from '@cms/db'
import { Redis } from 'ioredis'
import type pg from 'pg'

export interface Services {
  config: Config
  databaseUrl: string
  app: PrismaClient
  worker: PrismaClient
  pool: pg.Pool
  redis: Redis
  /** `{prefix}` for this deployment's Redis keys. */
  redisPrefix: string
  vault: Vault
  log: Logger
}

// Kept on globalThis so Next's dev-mode module reloading does not open a new pool per edit.
const g = globalThis as unknown as { __cmsWebServices?: Services }

export function services(): Services {
  if (g.__cmsWebServices) return g.__cmsWebServices
  const config = loadConfig()
  if (!config.DATABASE_URL) throw new AppError('internal', 'DATABASE_URL is not configured for the web app')
  const url = config.DATABASE_URL
  const s: Services = {
    config,
    databaseUrl: url,
    app: createPrisma({ url, role: 'cms_app', max: 6 }),
    worker: createPrisma({ url, role: 'cms_worker', max: 3 }),
    pool: createPool({ url, role: 'cms_app', max: 6 }),
    // Connects on first command; a Redis outage fails sign-in fast (2 tries) instead of queueing forever —
    // the lockout and limits fail closed.
    redis: new Redis(config.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 2 }),
    redisPrefix: `{${config.CMS_QUEUE_PREFIX}}`,
    vault: new Vault(LocalKeyring.fromString(config.CMS_MASTER_KEYS)),
    log: createLogger({ name: 'web', level: config.LOG_LEVEL }),
  }
  g.__cmsWebServices = s
  return s
}

/** Close pools (tests, benchmarks, programmatic server stop). */
export async function closeServices(): Promise<void> {
  const s = g.__cmsWebServices
  if (!s) return
  g.__cmsWebServices = undefined
  await Promise.all([
    s.app.$disconnect(),
    s.worker.$disconnect(),
    s.pool.end(),
    s.redis.quit().catch(() => s.redis.disconnect()),
  ])
}
