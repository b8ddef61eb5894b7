/**
 * Documented API limits, as token buckets (capacity, refill per second) and a concurrency cap, per
 * account + region + API. Sources: /work/shared/reference/cloud-api-limits-and-peers.md. Values are a
 * little under the published numbers so a neighbour process sharing the account has headroom.
 */
export interface ApiLimit {
  /** Bucket size: the burst allowed. */
  capacity: number
  /** Tokens per second. */
  refillPerSecond: number
  /** Calls in flight at once (YACE uses 5 per API). */
  concurrency: number
}

export const API_LIMITS: Record<string, ApiLimit> = {
  // EC2 non-mutating actions: bucket 100, refill 20/s per account per region.
  ec2: { capacity: 100, refillPerSecond: 20, concurrency: 5 },
  // RDS Describe*: not published per action; AWS shares a bucket across the API; stay conservative.
  rds: { capacity: 40, refillPerSecond: 10, concurrency: 5 },
  sts: { capacity: 50, refillPerSecond: 20, concurrency: 5 },
  // GetMetricData: 50 TPS per region.
  cloudwatch: { capacity: 50, refillPerSecond: 45, concurrency: 10 },
  // Cost Explorer: each request costs $0.01; the service throttles at a few per second.
  ce: { capacity: 5, refillPerSecond: 1, concurrency: 2 },
  // ARM reads: bucket 250, refill 25/s per region × subscription × principal.
  'azure.arm': { capacity: 250, refillPerSecond: 25, concurrency: 8 },
  // metrics:getBatch is served by the regional metrics host with its own limits; treat like ARM reads.
  'azure.metrics': { capacity: 250, refillPerSecond: 25, concurrency: 10 },
  'azure.costs': { capacity: 10, refillPerSecond: 0.5, concurrency: 2 },
  // Cloud Monitoring read: 6,000 requests/minute per project.
  'gcp.monitoring': { capacity: 100, refillPerSecond: 95, concurrency: 10 },
  // Compute Engine read requests: 20/s per project is the documented default "Read requests per second".
  'gcp.compute': { capacity: 40, refillPerSecond: 20, concurrency: 5 },
  'gcp.sql': { capacity: 30, refillPerSecond: 3, concurrency: 3 },
  'gcp.bigquery': { capacity: 10, refillPerSecond: 1, concurrency: 2 },
  // Naver Cloud: the API Gateway publishes no per-API rate for these services (its guides only document
  // the 429 answers: 400 Quota Exceeded, 410 Throttle Limited, 420 Rate Limited), so these are
  // conservative, per access key and region; a 429 is retried with backoff like everywhere else.
  'ncp.vserver': { capacity: 20, refillPerSecond: 10, concurrency: 4 },
  'ncp.vpc': { capacity: 20, refillPerSecond: 10, concurrency: 4 },
  'ncp.vmysql': { capacity: 20, refillPerSecond: 10, concurrency: 4 },
  // Cloud Insight queries (global, per key): a poll is ⌈series / 20⌉ calls (1,000 servers → 350), which
  // must fit well inside a 5-minute poll; 50/s with bursts of 100 finishes that in ~5 s.
  'ncp.cloudinsight': { capacity: 100, refillPerSecond: 50, concurrency: 10 },
  // Cost and Usage: a few calls per cost run.
  'ncp.billing': { capacity: 5, refillPerSecond: 1, concurrency: 2 },
}

export const DEFAULT_LIMIT: ApiLimit = { capacity: 20, refillPerSecond: 10, concurrency: 5 }

/** Budget keys are `cloud:account:region:api`; the limit is chosen by the api part. */
export function budgetKey(cloud: string, account: string, region: string, api: string): string {
  return `${cloud}:${account}:${region}:${api}`
}

export function limitForKey(key: string): ApiLimit {
  const api = key.split(':').slice(3).join(':')
  return API_LIMITS[api] ?? DEFAULT_LIMIT
}
