/**
 * What every job handler gets: database (worker role), vault, the provider registry (the one seam to
 * the cloud code — tests and the demo pass the real registry, pointed at cloudsim via `endpoints`),
 * the shared API budget, queues, logger, telemetry and a clock.
 */
import type pg from 'pg'
import type { Queue } from 'bullmq'
import type { Redis } from 'ioredis'
import type { MarketplaceMeteringClient } from '@aws-sdk/client-marketplace-metering'
import type { DeliveryPolicy, UrlPolicy } from '@cms/alerts'
import type { Dispatcher } from 'undici'
import type { Logger, Vault } from '@cms/core'
import type { PrismaClient } from '@cms/db'
import type { Endpoints, ProviderRegistry, ApiBudget } from '@cms/providers'
import type { ActiveQueue } from './catalog'
import type { PointBudget } from './point-budget'
import type { SeriesCache } from './storage/series'
import type { Telemetry } from './telemetry'

export interface MetricsTuning {
  rereadPeriods: number
  maxBackfillMs: number
  initialLookbackMs: number
  /** Targets per priority step: an account with more resources gets a lower BullMQ priority. */
  prioritySlice: number
  /** Metric points one worker process may hold in flight across its metrics.fetch jobs (see PointBudget). */
  maxPointsInFlight: number
}

export const DEFAULT_METRICS_TUNING: MetricsTuning = {
  rereadPeriods: 3,
  maxBackfillMs: 3 * 3600_000,
  initialLookbackMs: 15 * 60_000,
  prioritySlice: 200,
  maxPointsInFlight: 100_000,
}

export interface Runtime {
  prisma: PrismaClient
  pool: pg.Pool
  vault: Vault
  providers: ProviderRegistry
  endpoints: Endpoints
  /** Our own AWS principal that assumes tenants' roles (server config, never a tenant's secret). */
  awsPoller?: { accessKeyId: string; secretAccessKey: string }
  budget: ApiBudget
  queues: Record<ActiveQueue, Queue>
  log: Logger
  telemetry: Telemetry
  series: SeriesCache
  tuning: MetricsTuning
  /** Bounds the points held in memory by this process's concurrent metrics jobs. */
  pointBudget: PointBudget
  now: () => Date
  /** Re-reconcile one account's schedules (after its status changed). */
  reconcileAccount(accountId: string): Promise<void>
  /** The worker's Redis connection and BullMQ prefix (small bookkeeping keys, e.g. alert cursors). */
  redis: Redis
  prefix: string
  /** Outgoing webhooks: retry policy, SSRF policy and the one pinned dispatcher of this process. */
  webhooks: { policy: DeliveryPolicy; urlPolicy: UrlPolicy; dispatcher: Dispatcher }
  /** AWS Marketplace metering (BatchMeterUsage) with our poller keys; null = not configured. */
  metering: Pick<MarketplaceMeteringClient, 'send'> | null
}
