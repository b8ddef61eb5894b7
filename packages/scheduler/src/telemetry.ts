/** Prometheus metrics of one worker process (its own registry, so several workers can live in one test process). */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { Queue } from 'bullmq'

export class Telemetry {
  readonly registry = new Registry()
  readonly jobDuration = new Histogram({
    name: 'cms_job_duration_seconds',
    help: 'Job duration by queue, job name and outcome',
    labelNames: ['queue', 'job', 'outcome'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  })
  readonly apiCalls = new Counter({
    name: 'cms_cloud_api_calls_total',
    help: 'Cloud API calls made, by cloud, api and operation',
    labelNames: ['cloud', 'api', 'operation'] as const,
    registers: [this.registry],
  })
  readonly pointsWritten = new Counter({
    name: 'cms_points_written_total',
    help: 'Metric points upserted (new or changed)',
    registers: [this.registry],
  })
  readonly pointsFetched = new Counter({
    name: 'cms_points_fetched_total',
    help: 'Metric points received from clouds',
    registers: [this.registry],
  })
  readonly lag = new Gauge({
    name: 'cms_metrics_lag_seconds',
    help: 'How far the stored metrics are behind now, per account (worst region/group)',
    labelNames: ['tenant', 'account'] as const,
    registers: [this.registry],
  })
  readonly budgetWaits = new Counter({
    name: 'cms_api_budget_waits_total',
    help: 'Times a call waited for the shared API budget',
    labelNames: ['api'] as const,
    registers: [this.registry],
  })
  readonly webhookAttempts = new Counter({
    name: 'cms_webhook_attempts_total',
    help: 'Webhook delivery attempts by result',
    labelNames: ['status'] as const,
    registers: [this.registry],
  })
  readonly webhookEndpointsDisabled = new Counter({
    name: 'cms_webhook_endpoints_disabled_total',
    help: 'Webhook endpoints disabled by a delivery (410 gone, or failing for days)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  })
  readonly queueDepth: Gauge<'queue' | 'state'>

  constructor(queues: () => Queue[]) {
    collectDefaultMetrics({ register: this.registry })
    this.queueDepth = new Gauge({
      name: 'cms_queue_jobs',
      help: 'Jobs per queue and state',
      labelNames: ['queue', 'state'] as const,
      registers: [this.registry],
      async collect() {
        for (const q of queues()) {
          const c = await q
            .getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed')
            .catch(() => null)
          if (!c) continue
          for (const [state, n] of Object.entries(c)) this.set({ queue: q.name, state }, n)
        }
      },
    })
  }
}
