/**
 * A worker process: consumes the active queues, reconciles schedules from the database, serves
 * /healthz and /metrics. Any number may run, on any machine sharing Redis and PostgreSQL:
 *   - every unit of work has a deterministic job id and idempotent writes, so duplicates are harmless;
 *   - a killed worker's jobs are recovered by BullMQ's stalled-job check (lock expiry);
 *   - a flushed/restarted Redis is healed by the reconcile loop (on reconnect and periodically), and the
 *     watermarks in PostgreSQL make the next metrics jobs backfill whatever was missed.
 */
import { createServer, type Server } from 'node:http'
import { hostname } from 'node:os'
import type { AddressInfo } from 'node:net'
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq'
import { Redis } from 'ioredis'
import type pg from 'pg'
import {
  createWebhookDispatcher,
  DEFAULT_DELIVERY_POLICY,
  deliveryPolicyFromConfig,
  systemResolver,
  urlPolicyFromConfig,
  type DeliveryPolicy,
  type UrlPolicy,
} from '@cms/alerts'
import { createLogger, isCloudErrorCode, loadConfig, type Logger, type Vault } from '@cms/core'
import { createPool, createPrisma, type PrismaClient } from '@cms/db'
import type { Endpoints, ProviderRegistry } from '@cms/providers'
import { limitForKey } from '@cms/providers/shared/limits'
import type { MarketplaceMeteringClient } from '@aws-sdk/client-marketplace-metering'
import {
  ACCOUNT_FAILURE_CODES,
  describeFailure,
  recordAccountFailure,
  recordAccountSuccess,
} from './account-status'
import {
  afterAccountStatus,
  afterBilling,
  afterDiscovery,
  afterMetrics,
  runAlertsSweep,
  runDelivery,
  runEvaluation,
  runWebhookSweep,
} from './alerting'
import { RedisBudget, type BucketLimit } from './budget'
import { ACTIVE_QUEUES, jobIds, jobSpec, type ActiveQueue, type JobName, type Payload } from './catalog'
import { queuePrefix } from './config'
import { runBilling } from './billing'
import { runDiscovery } from './discovery'
import { meteringClientFor, runMetering, runPurge } from './marketplace-jobs'
import { runMetricsFetch, runMetricsTick } from './metrics-job'
import { parsePlanLimits, resolveSchedule } from './plans'
import { DEFAULT_METRICS_TUNING, type MetricsTuning, type Runtime } from './runtime'
import {
  DEFAULT_GLOBAL_INTERVALS,
  reconcileSchedules,
  type GlobalIntervals,
  type ReconcileResult,
} from './schedules'
import { drainRollups } from './storage/rollups'
import { applyRetention, ensurePartitions } from './storage/partitions'
import { PointBudget } from './point-budget'
import { SeriesCache } from './storage/series'
import { Telemetry } from './telemetry'

export interface WorkerOptions {
  databaseUrl: string
  redisUrl: string
  /** CMS_QUEUE_PREFIX; wrapped in {…} (Redis Cluster hash tag) if not already. */
  queuePrefix?: string
  vault: Vault
  /** The one seam to cloud code: the real registry from @cms/providers (pointed at cloudsim by `endpoints`). */
  providers: ProviderRegistry
  endpoints?: Endpoints
  /** Our AWS poller keys, used to assume tenants' roles (CMS_AWS_ACCESS_KEY_ID / CMS_AWS_SECRET_ACCESS_KEY). */
  awsPoller?: { accessKeyId: string; secretAccessKey: string }
  /** Jobs in flight per process for the metrics queue (others use a share of it). */
  concurrency?: number
  /** Serve /healthz and /metrics on this port (0 = any free port). */
  httpPort?: number
  logger?: Logger
  reconcileIntervalMs?: number
  shutdownGraceMs?: number
  /** BullMQ lock duration: how long a killed worker's job stays locked before it is recovered. */
  lockDurationMs?: number
  tuning?: Partial<MetricsTuning>
  global?: Partial<GlobalIntervals>
  /** Consume only these queues (e.g. dedicated metrics workers). Default: all active queues. */
  queues?: ActiveQueue[]
  dbPoolMax?: number
  budgetLimit?: (key: string) => BucketLimit
  now?: () => Date
  /**
   * Outgoing webhooks. Default: from the process configuration (`urlPolicyFromConfig()`,
   * `deliveryPolicyFromConfig()` with CMS_WEBHOOK_TIME_FACTOR); without one (an embedded worker), the
   * strict URL policy (public targets only) and the real retry schedule.
   */
  webhooks?: { urlPolicy?: UrlPolicy; policy?: DeliveryPolicy }
  /**
   * AWS Marketplace metering client. Default: built from `endpoints.aws` + `awsPoller` (CMS_AWS_ENDPOINT
   * and our poller keys), or none when there are no poller keys (`metering.run` then skips). null = none.
   */
  metering?: Pick<MarketplaceMeteringClient, 'send'> | null
}

export interface StartedWorker {
  stop(): Promise<void>
  httpPort?: number
  reconcile(opts?: { accountId?: string }): Promise<ReconcileResult>
  runtime: Runtime
}

type Handler<Q extends ActiveQueue, N extends JobName<Q>> = (
  rt: Runtime,
  data: Payload<Q, N>,
  signal: AbortSignal,
  job: Job,
) => Promise<unknown>
type Handlers = { [Q in ActiveQueue]: { [N in JobName<Q>]: Handler<Q, N> } }

const HANDLERS: Handlers = {
  discovery: {
    'discovery.run': async (rt, d, signal) => {
      const out = await runDiscovery(rt, d, signal)
      if (out) {
        const s = await recordAccountSuccess(rt.prisma, d.tenantId, d.accountId, rt.now())
        if (s?.changed) {
          await rt.reconcileAccount(d.accountId)
          await afterAccountStatus(rt, d)
        }
      }
      // Also when this run found nothing new: events a crashed run committed are evaluated now.
      await afterDiscovery(rt, d)
      return out
    },
  },
  metrics: {
    'metrics.tick': (rt, d) => runMetricsTick(rt, d),
    'metrics.fetch': async (rt, d, signal) => {
      const out = await runMetricsFetch(rt, d, signal)
      if (out.accountRecovered) await afterAccountStatus(rt, d)
      if (out.written > 0 && out.to) await afterMetrics(rt, { ...d, mark: out.to.getTime() })
      return out
    },
  },
  billing: {
    'billing.run': async (rt, d, signal) => {
      const out = await runBilling(rt, d, signal)
      if (out.rows > 0) await afterBilling(rt, d)
      return out
    },
  },
  maintenance: {
    'rollup.run': (rt) => drainRollups(rt.pool),
    'retention.run': async (rt) => ({
      created: await ensurePartitions(rt.pool, rt.now()),
      dropped: await applyRetention(rt.pool, rt.now()),
    }),
    'schedules.reconcile': async (rt, d) => {
      if (!d.accountId)
        return reconcileSchedules(rt.prisma, rt.queues, d.tenantId ? { tenantId: d.tenantId } : {})
      const r = await reconcileSchedules(rt.prisma, rt.queues, { accountId: d.accountId })
      // A changed account (new, edited credentials, resumed) is discovered right away, not at the next tick.
      const a = await rt.prisma.cloudAccount.findFirst({
        where: { id: d.accountId },
        select: { tenantId: true, pausedAt: true, status: true },
      })
      if (a && !a.pausedAt && a.status !== 'paused') {
        const spec = jobSpec('discovery', 'discovery.run')!
        await rt.queues.discovery.add(
          'discovery.run',
          { tenantId: a.tenantId, accountId: d.accountId },
          {
            jobId: jobIds.discoveryNow(a.tenantId, d.accountId, Math.floor(rt.now().getTime() / 1000)),
            attempts: spec.attempts,
            backoff: { type: 'exponential', delay: spec.backoffMs },
            removeOnComplete: { age: 3600 },
            removeOnFail: { age: 86_400 },
          },
        )
      }
      return r
    },
    'webhooks.sweep': (rt) => runWebhookSweep(rt),
    'alerts.sweep': (rt) => runAlertsSweep(rt),
    'metering.run': (rt) => runMetering(rt),
    'subscriptions.purge': (rt) => runPurge(rt),
  },
  alerts: {
    'alerts.evaluate': (rt, d) => runEvaluation(rt, d),
  },
  webhooks: {
    'webhook.deliver': (rt, d, _signal, job) => runDelivery(rt, d, job.id),
  },
}

/** Webhook policies from the process configuration; an embedded worker without one gets the strict defaults. */
function webhookPolicies(
  o: WorkerOptions['webhooks'],
  log: Logger,
): { urlPolicy: UrlPolicy; policy: DeliveryPolicy } {
  if (o?.urlPolicy && o.policy) return { urlPolicy: o.urlPolicy, policy: o.policy }
  let config: ReturnType<typeof loadConfig> | null = null
  try {
    config = loadConfig()
  } catch {
    log.debug('no product configuration: webhooks use the strict URL policy and the real retry schedule')
  }
  return {
    urlPolicy:
      o?.urlPolicy ??
      (config
        ? urlPolicyFromConfig()
        : { allowPrivate: false, requireHttps: true, resolver: systemResolver }),
    policy:
      o?.policy ??
      (config
        ? deliveryPolicyFromConfig({ timeFactor: config.CMS_WEBHOOK_TIME_FACTOR })
        : DEFAULT_DELIVERY_POLICY),
  }
}

/** Jobs whose failures say something about the account (written back to cloud_account). */
const ACCOUNT_JOBS = new Set(['discovery.run', 'metrics.fetch', 'billing.run'])

export async function startWorker(options: WorkerOptions): Promise<StartedWorker> {
  const log = options.logger ?? createLogger({ name: 'worker' })
  const prefix = queuePrefix(options.queuePrefix ?? 'cms')
  const now = options.now ?? (() => new Date())
  const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: null, enableReadyCheck: true })
  redis.on('error', (e) => log.warn({ err: e.message }, 'redis error'))
  const prisma: PrismaClient = createPrisma({
    url: options.databaseUrl,
    role: 'cms_worker',
    max: options.dbPoolMax ?? 10,
  })
  const pool: pg.Pool = createPool({
    url: options.databaseUrl,
    role: 'cms_worker',
    max: options.dbPoolMax ?? 10,
  })
  pool.on('error', (e) => log.warn({ err: e.message }, 'postgres idle client error'))

  const queues = Object.fromEntries(
    ACTIVE_QUEUES.map((q) => [q, new Queue(q, { connection: redis, prefix })]),
  ) as Record<ActiveQueue, Queue>
  for (const q of Object.values(queues))
    q.on('error', (e) => log.warn({ err: e.message, queue: q.name }, 'queue error'))
  const telemetry = new Telemetry(() => Object.values(queues))
  const budget = new RedisBudget(redis, prefix, options.budgetLimit ?? limitForKey, (key) =>
    telemetry.budgetWaits.inc({ api: key.split(':').slice(3).join(':') }),
  )
  const globalIntervals = { ...DEFAULT_GLOBAL_INTERVALS, ...options.global }
  const { urlPolicy, policy } = webhookPolicies(options.webhooks, log)
  // One SSRF-pinned dispatcher per process (connection pools are per dispatcher); closed on stop.
  const dispatcher = createWebhookDispatcher(urlPolicy)
  const ownMetering =
    options.metering === undefined
      ? meteringClientFor({ endpoint: options.endpoints?.aws, awsPoller: options.awsPoller })
      : null
  const metering = options.metering === undefined ? ownMetering : options.metering

  const tuning = { ...DEFAULT_METRICS_TUNING, ...options.tuning }
  const rt: Runtime = {
    prisma,
    pool,
    vault: options.vault,
    providers: options.providers,
    endpoints: options.endpoints ?? {},
    ...(options.awsPoller ? { awsPoller: options.awsPoller } : {}),
    budget,
    queues,
    log,
    telemetry,
    series: new SeriesCache(),
    tuning,
    pointBudget: new PointBudget(tuning.maxPointsInFlight),
    now,
    reconcileAccount: async (accountId) => {
      await reconcileSchedules(prisma, queues, { accountId })
    },
    redis,
    prefix,
    webhooks: { policy, urlPolicy, dispatcher },
    metering,
  }

  const reconcile = (o: { accountId?: string } = {}) =>
    reconcileSchedules(prisma, queues, { ...o, global: globalIntervals })
  // One process reconciles at a time (a lock in Redis); the others skip that round.
  const lockKey = `${prefix}:reconcile-lock`
  const reconcileInterval = options.reconcileIntervalMs ?? 60_000
  let reconciling = false
  const reconcileRound = async (reason: string) => {
    if (reconciling) return
    reconciling = true
    try {
      const got = await redis.set(
        lockKey,
        String(process.pid),
        'PX',
        Math.max(1000, Math.floor(reconcileInterval / 2)),
        'NX',
      )
      if (got !== 'OK' && reason === 'interval') return
      const r = await reconcile()
      if (r.upserted || r.removed) log.info({ ...r, reason }, 'schedules reconciled')
    } catch (e) {
      log.warn({ err: (e as Error).message, reason }, 'schedule reconcile failed; will retry')
    } finally {
      reconciling = false
    }
  }

  await ensurePartitions(pool, now()).catch((e: unknown) =>
    log.warn({ err: (e as Error).message }, 'ensure partitions failed'),
  )
  await reconcileRound('start')
  const timer = setInterval(() => void reconcileRound('interval'), reconcileInterval)
  timer.unref()
  // After Redis comes back (restart, failover, flush), recreate the schedulers right away.
  let readyOnce = false
  redis.on('ready', () => {
    if (readyOnce) void reconcileRound('redis-reconnect')
    readyOnce = true
  })
  if (redis.status === 'ready') readyOnce = true

  const concurrency = options.concurrency ?? 8
  const perQueue: Record<ActiveQueue, number> = {
    metrics: concurrency,
    discovery: Math.max(2, Math.ceil(concurrency / 2)),
    billing: 2,
    maintenance: 2,
    alerts: 2,
    // One attempt waits on someone else's server (up to 15 s): more in flight, little CPU.
    webhooks: Math.max(4, concurrency),
  }
  const workers: Worker[] = []
  for (const qname of options.queues ?? ACTIVE_QUEUES) {
    const handlers = HANDLERS[qname] as Record<string, Handler<ActiveQueue, never>>
    const w = new Worker(
      qname,
      async (job: Job) => {
        const spec = jobSpec(qname, job.name)
        const handler = handlers[job.name]
        if (!spec || !handler) throw new UnrecoverableError(`Unknown job ${qname}/${job.name}`)
        const parsed = spec.schema.safeParse(job.data)
        if (!parsed.success) throw new UnrecoverableError(`Invalid payload for ${job.name}`)
        const data = parsed.data as Record<string, unknown>
        const ids = {
          tenantId: data.tenantId as string | undefined,
          accountId: data.accountId as string | undefined,
        }
        const jlog = log.child({ jobId: job.id, queue: qname, job: job.name, ...ids })
        const ac = new AbortController()
        const timeout = setTimeout(
          () => ac.abort(new Error(`timed out after ${spec.timeoutMs} ms`)),
          spec.timeoutMs,
        )
        const end = telemetry.jobDuration.startTimer({ queue: qname, job: job.name })
        try {
          const aborted = new Promise<never>((_, reject) =>
            ac.signal.addEventListener('abort', () => reject(ac.signal.reason), { once: true }),
          )
          const result = await Promise.race([
            handler({ ...rt, log: jlog }, data as never, ac.signal, job),
            aborted,
          ])
          end({ outcome: 'ok' })
          jlog.debug({ result }, 'job done')
          return result ?? null
        } catch (e) {
          end({ outcome: 'error' })
          const f = describeFailure(e)
          const final = job.attemptsMade + 1 >= (job.opts.attempts ?? 1)
          // An unexpected error (a bug, a broken statement) keeps its own message and stack for the operator.
          jlog.warn(
            {
              code: f.code,
              attempt: job.attemptsMade + 1,
              final,
              ...(f.code === 'internal' ? { err: e } : {}),
            },
            `job failed: ${f.message}`,
          )
          if (ids.tenantId && ids.accountId && ACCOUNT_JOBS.has(job.name)) {
            const accountLevel = ACCOUNT_FAILURE_CODES.has(f.code)
            // A cloud's answer is on the account row from its first failed attempt (account-status.ts);
            // throttling (retried, never surfaced unless persistent) and our own outages (PostgreSQL down:
            // the write would wait on it) only when the job gives up.
            const reportNow = final || (isCloudErrorCode(f.code) && f.code !== 'throttled')
            const r = reportNow
              ? await recordAccountFailure(prisma, ids.tenantId, ids.accountId, f, now()).catch(() => null)
              : null
            if (r && accountLevel) await maybeBackoff(rt, ids.accountId, r.consecutive_fails)
            if (r && (accountLevel || final || r.status !== r.previous_status))
              await afterAccountStatus(rt, { tenantId: ids.tenantId, accountId: ids.accountId }).catch(
                (e: unknown) => jlog.warn({ err: (e as Error).message }, 'health evaluation not enqueued'),
              )
            // Retrying a revoked credential within seconds cannot help; the schedule tries again.
            if (accountLevel) throw new UnrecoverableError(`${f.code}: ${f.message}`)
          }
          throw e
        } finally {
          clearTimeout(timeout)
        }
      },
      {
        connection: redis,
        prefix,
        // Recorded on each job as processedBy: which process did the work (ops, and the bench's split).
        name: `${hostname()}:${process.pid}`,
        concurrency: perQueue[qname],
        lockDuration: options.lockDurationMs ?? 30_000,
        stalledInterval: Math.max(1000, Math.floor((options.lockDurationMs ?? 30_000) / 2)),
        maxStalledCount: 5,
        autorun: true,
      },
    )
    w.on('error', (e) => log.warn({ err: e.message, queue: qname }, 'worker error'))
    workers.push(w)
  }

  let server: Server | undefined
  let httpPort: number | undefined
  if (options.httpPort !== undefined) {
    server = createServer((req, res) => {
      void (async () => {
        if (req.url === '/healthz') {
          const checks = await Promise.allSettled([redis.ping(), pool.query('SELECT 1')])
          const ok = checks.every((c) => c.status === 'fulfilled')
          res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' })
          res.end(
            JSON.stringify({
              ok,
              redis: checks[0].status === 'fulfilled',
              postgres: checks[1].status === 'fulfilled',
            }),
          )
        } else if (req.url === '/metrics') {
          res.writeHead(200, { 'content-type': telemetry.registry.contentType })
          res.end(await telemetry.registry.metrics())
        } else {
          res.writeHead(404).end()
        }
      })().catch(() => res.writeHead(500).end())
    })
    await new Promise<void>((resolve) => server!.listen(options.httpPort, '127.0.0.1', resolve))
    httpPort = (server.address() as AddressInfo).port
  }
  log.info({ queues: options.queues ?? ACTIVE_QUEUES, prefix, httpPort }, 'worker started')

  let stopped = false
  return {
    runtime: rt,
    httpPort,
    reconcile,
    async stop() {
      if (stopped) return
      stopped = true
      clearInterval(timer)
      const grace = options.shutdownGraceMs ?? 20_000
      // Finish running jobs within the grace period; past it, close without waiting — their locks
      // expire and another worker picks them up (stalled-job recovery), so nothing is lost.
      const closing = Promise.all(workers.map((w) => w.close()))
      const timedOut = await Promise.race([
        closing.then(() => false),
        new Promise<boolean>((r) => setTimeout(() => r(true), grace).unref()),
      ])
      if (timedOut) await Promise.all(workers.map((w) => w.close(true).catch(() => {})))
      await Promise.all(Object.values(queues).map((q) => q.close().catch(() => {})))
      await dispatcher.close().catch(() => {})
      ownMetering?.destroy()
      await new Promise<void>((r) => (server ? server.close(() => r()) : r()))
      await redis.quit().catch(() => redis.disconnect())
      await Promise.all([prisma.$disconnect(), pool.end()]).catch(() => {})
      log.info('worker stopped')
    },
  }
}

async function maybeBackoff(rt: Runtime, accountId: string, fails: number) {
  const a = await rt.prisma.cloudAccount.findFirst({
    where: { id: accountId },
    select: { settings: true, tenant: { select: { settings: true, plan: { select: { limits: true } } } } },
  })
  if (!a) return
  const s = resolveSchedule(parsePlanLimits(a.tenant.plan.limits), a.tenant.settings, a.settings)
  if (fails === s.credentialFailuresBeforeBackoff) await rt.reconcileAccount(accountId)
}
