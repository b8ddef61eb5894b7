/**
 * The providers package's public contract: what the scheduler, web app and CLI call. Providers fetch
 * and normalize; they never store. Every result carries the API calls it cost (cost of monitoring).
 *
 * A provider declares capabilities (CONVENTIONS §4): `verify` always, the others only where the cloud
 * supports them — no no-op methods.
 */
import type { CloudErrorCode, CloudKind, CredentialsByCloud, ResourceState } from '@cms/core'

/** Where to send calls (cloudsim, a private endpoint) and how; unset → the real clouds. */
export interface Endpoints {
  aws?: string
  azure?: string
  gcp?: string
  /** Naver Cloud: one base URL standing in for every NCP API gateway host (ncloud, cw, billingapi). */
  ncp?: string
  /** PEM of an extra CA to trust (cloudsim's self-signed Azure endpoint). */
  caPem?: string
}

/**
 * Rate limiting shared across processes (the scheduler passes a Redis-backed one; the CLI an
 * in-memory one). `take` resolves when a call to `key` may be made.
 */
export interface ApiBudget {
  take(key: string, cost?: number): Promise<void>
}

export interface ProviderContext {
  endpoints?: Endpoints
  /**
   * Our own AWS principal (the "poller") that assumes tenants' roles. Stored role credentials carry only
   * the role ARN and ExternalId; these base keys come from server configuration, never from a tenant.
   */
  awsPoller?: { accessKeyId: string; secretAccessKey: string }
  /** Cap on paid-per-request cost calls (Cost Explorer) per account per rolling day; default 12. */
  costRequestsPerDay?: number
  /** Retry tuning (e.g. a job with a short timeout); unset → absorb throttling storms (12 attempts, ≤ 10 s backoff). */
  retry?: {
    maxAttempts?: Partial<Record<'throttled' | 'cloud_unavailable' | 'bad_response', number>>
    baseMs?: number
    capMs?: number
  }
  budget?: ApiBudget
  signal?: AbortSignal
  /** Clock, injectable so windows are testable. */
  now?: () => Date
  /** Structured logger (pino-compatible subset). */
  log?: { debug(obj: object, msg?: string): void; warn(obj: object, msg?: string): void }
}

/** One counted cloud API call kind. */
export interface ApiCallCount {
  api: string // e.g. 'cloudwatch', 'ec2', 'ce', 'azure.monitor', 'gcp.monitoring'
  operation: string // e.g. 'GetMetricData'
  calls: number
  /** Billable units: CloudWatch metrics requested, CE requests, … (0 when free). */
  billableUnits: number
  /** Estimated cloud charge in USD for these calls. */
  costUsd: number
  /** How many of `calls` were answered with a throttling error (and retried). */
  throttled?: number
}

export interface NormalizedResource {
  cloud: CloudKind
  /** AWS account id, Azure subscription id, GCP project id, NCP memberNo (or `key:<access key id>`, see ncp/provider.ts). */
  accountNativeId: string
  region: string
  /** ec2.instance | rds.instance | rds.cluster | vpc | subnet | nat_gateway | azure.vm | azure.sql_database |
   *  azure.vnet | gcp.instance | gcp.sql_instance | gcp.network | ncp.server | ncp.vpc | ncp.nat_gateway | ncp.mysql */
  type: string
  nativeId: string
  name: string | null
  state: ResourceState
  nativeState: string | null
  tags: Record<string, string>
  createdAt: Date | null
  /** Type-specific: instanceType, engine, cidr, … */
  attributes: Record<string, unknown>
}

export interface RegionError {
  region: string
  code: CloudErrorCode
  message: string
  /** The resource type whose listing failed, when only one did. */
  type?: string
}

export interface InventoryResult {
  resources: NormalizedResource[]
  /** Regions that failed (the rest of the inventory is still valid; a failed region must not mark its resources terminated). */
  errors: RegionError[]
  calls: ApiCallCount[]
}

export interface MetricDefinition {
  /** Stable id within the resource type, e.g. 'CPUUtilization'. */
  metric: string
  stat: string // Average | Maximum | Sum | …
  unit: string
  periodSeconds: number
  /** Seconds the cloud needs before a period's value has converged. */
  delaySeconds: number
  /** Where the metric lives when it is not the type's default: CloudWatch namespace, Azure metric namespace,
   *  NCP Cloud Insight product key (cw_key).
   *  (GCP metrics are named by their full type in `metric`.) Lets a tenant add custom metrics. */
  namespace?: string
}

export interface MetricTarget {
  type: string
  nativeId: string
  region: string
  /** Extra identifiers some clouds need (e.g. GCP zone, Azure resource group). */
  attributes?: Record<string, unknown>
  /** AWS account / Azure subscription / GCP project; needed for GCP (one call per project), implied elsewhere. */
  accountNativeId?: string
}

export interface MetricWindow {
  from: Date
  to: Date
  /**
   * Also ask for the newest periods that have not converged yet (up to `to`, the period in progress
   * included). Their values may still change: the caller must re-read them once converged.
   */
  provisional?: boolean
  /**
   * The caller already re-reads the periods that may have changed (the scheduler's watermark window):
   * ask for exactly [from, to), without the provider's own re-read of the last periods.
   */
  exact?: boolean
}

export interface MetricPoint {
  nativeId: string
  metric: string
  stat: string
  ts: Date
  value: number
  unit?: string
}

export interface MetricsResult {
  points: MetricPoint[]
  calls: ApiCallCount[]
}

export interface CostRow {
  day: string // YYYY-MM-DD
  service: string
  region: string
  amount: number
  currency: string
  estimated: boolean
}

export interface CostsResult {
  rows: CostRow[]
  /** Forecast for the rest of the current month, when the cloud offers one. */
  forecast?: { from: string; to: string; amount: number; currency: string }
  calls: ApiCallCount[]
}

export interface VerifyCheck {
  capability: 'identity' | 'inventory' | 'metrics' | 'costs'
  /** The permission/role the check needs, e.g. 'ec2:DescribeInstances'. */
  permission: string
  ok: boolean
  code?: CloudErrorCode
  message?: string
}

export interface VerifyResult {
  ok: boolean
  /** Who we are in the cloud (ARN, client id, service account). */
  identity?: string
  accountNativeIds: string[]
  checks: VerifyCheck[]
  regions: { enabled: string[]; disabled: string[] }
  calls: ApiCallCount[]
}

export interface Provider<K extends CloudKind> {
  cloud: K
  verify(creds: CredentialsByCloud[K], ctx: ProviderContext): Promise<VerifyResult>
  inventory?: {
    listRegions(
      creds: CredentialsByCloud[K],
      ctx: ProviderContext,
    ): Promise<{ regions: string[]; calls: ApiCallCount[] }>
    discover(
      creds: CredentialsByCloud[K],
      opts: { regions: string[] },
      ctx: ProviderContext,
    ): Promise<InventoryResult>
  }
  metrics?: {
    /** The built-in catalogue for a resource type (tenants may extend it). */
    catalog(type: string): MetricDefinition[]
    /**
     * Fetch every catalogue metric of `targets` over `window`, batched at the physical minimum.
     * AWS: one region per call (`region` picks the CloudWatch endpoint). Azure and GCP batch across
     * regions themselves (getBatch groups by subscription+region+type; GCP lists one metric type per
     * project), so pass all of an account's targets in one call there; `region` is then ignored.
     */
    fetch(
      creds: CredentialsByCloud[K],
      opts: {
        region: string
        targets: MetricTarget[]
        window: MetricWindow
        /** Replaces the catalogue for every target (use when all targets share a type). */
        metrics?: MetricDefinition[]
        /** Per-type catalogue overrides/extensions (a tenant's custom metrics); wins over `metrics`. */
        metricsByType?: Record<string, MetricDefinition[]>
      },
      ctx: ProviderContext,
    ): Promise<MetricsResult>
  }
  costs?: {
    /** Days are YYYY-MM-DD, both inclusive; the last days are always re-read (bills are revised). */
    fetchDaily(
      creds: CredentialsByCloud[K],
      opts: {
        from: string
        to: string
        /** GCP: the billing export table `project.dataset.table` (default `{first project}.billing_export.gcp_billing_export_v1`). */
        billingTable?: string
      },
      ctx: ProviderContext,
    ): Promise<CostsResult>
  }
}

export type ProviderRegistry = { [K in CloudKind]: Provider<K> }
