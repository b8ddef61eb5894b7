/**
 * Runtime state around the world: fault rules and API call counters. Every cloud front end asks
 * `decide()` before answering and `record()`s what it served, so benchmarks can compare our calls to
 * the physical minimum.
 */
import type { CloudKind } from '../world/types'
import type { World } from '../world/world'

export interface CallContext {
  cloud: CloudKind
  /** Service family: ec2, rds, sts, cloudwatch, ce, tagging, marketplace-metering, marketplace-entitlement,
   *  entra, arm.compute, arm.sql, arm.network, arm.resources, azure.monitor, azure.costmanagement,
   *  gcp.monitoring, gcp.compute, gcp.sql, gcp.bigquery, ncp.vserver, ncp.vpc, ncp.vmysql, ncp.cloudinsight,
   *  ncp.billing. */
  api: string
  operation: string
  /** Native account id (AWS account, Azure subscription or tenant, GCP project, NCP memberNo); '' when unknown. */
  account: string
  region: string
}

export interface FaultRule {
  id: string
  cloud?: CloudKind
  api?: string
  operation?: string
  account?: string
  region?: string
  /** Fractions in [0, 1] of matching calls, spread evenly (deterministic, not random). */
  throttleRate?: number
  errorRate?: number
  malformedRate?: number
  latencyMs?: number
  /** Answer every matching call with the cloud's permission error. */
  deny?: boolean
}

export type FaultAction = 'deny' | 'throttle' | 'error' | 'malformed'

export interface FaultDecision {
  latencyMs: number
  action?: FaultAction
}

export interface CallRow extends CallContext {
  calls: number
  /** CloudWatch metrics requested, Cost Explorer requests, Azure metric series, Cloud Insight conditions, … */
  billableUnits: number
  throttled: number
  errors: number
}

/** Page sizes the simulated services use; tests shrink them to exercise paging on small worlds. */
export interface SimLimits {
  /** Cost Explorer: groups (or periods when ungrouped) per page. */
  ceGroupsPerPage: number
  /** Tagging API default ResourcesPerPage. */
  taggingPageSize: number
  /** Azure ARM list pages (when no $top). */
  azurePageSize: number
  /** GCP list pages (when no maxResults/pageSize). */
  gcpPageSize: number
  /** ARM read bucket per subscription × principal (capacity; refills at a tenth of it per second). 2024+ ARM: 250. */
  armReadBucket: number
}

export const DEFAULT_LIMITS: SimLimits = {
  ceGroupsPerPage: 500,
  taggingPageSize: 100,
  azurePageSize: 100,
  gcpPageSize: 500,
  armReadBucket: 250,
}

export interface MarketplaceProduct {
  productCode: string
  name: string
  dimensions: string[]
}

export interface MarketplaceCustomer {
  customerIdentifier: string
  awsAccountId: string
  productCode: string
  registrationToken: string
  /** Entitled quantity per dimension. */
  entitlements: Record<string, number>
}

export interface MeteringRecord {
  meteringRecordId: string
  productCode: string
  customerIdentifier: string
  dimension: string
  quantity: number
  timestamp: number
}

/** An Entra access token the simulator issued (opaque to clients). */
export interface AzureToken {
  tenantId: string
  clientId: string
  /** Epoch ms (world clock). */
  expiresAt: number
}

export class Sim {
  readonly world: World
  limits: SimLimits = { ...DEFAULT_LIMITS }
  readonly azureTokens = new Map<string, AzureToken>()
  /** ARM read token buckets per subscription × principal: tokens left and last refill (ms). */
  readonly armBuckets = new Map<string, { tokens: number; at: number }>()
  readonly marketplace: {
    products: MarketplaceProduct[]
    customers: MarketplaceCustomer[]
    records: MeteringRecord[]
  } = { products: [], customers: [], records: [] }
  private faults: FaultRule[] = []
  private readonly seen = new Map<string, number>()
  private calls = new Map<string, CallRow>()
  private nextFault = 1

  constructor(world: World) {
    this.world = world
  }

  addFault(rule: Omit<FaultRule, 'id'> & { id?: string }): FaultRule {
    const full: FaultRule = { ...rule, id: rule.id ?? `f${this.nextFault++}` }
    this.faults = this.faults.filter((f) => f.id !== full.id)
    this.faults.push(full)
    return full
  }

  removeFault(id: string): boolean {
    const before = this.faults.length
    this.faults = this.faults.filter((f) => f.id !== id)
    return this.faults.length < before
  }

  listFaults(): FaultRule[] {
    return [...this.faults]
  }

  clearFaults(): void {
    this.faults = []
    this.seen.clear()
  }

  decide(ctx: CallContext): FaultDecision {
    let latencyMs = 0
    let action: FaultAction | undefined
    for (const f of this.faults) {
      if (!matches(f, ctx)) continue
      const n = this.seen.get(f.id) ?? 0
      this.seen.set(f.id, n + 1)
      latencyMs += f.latencyMs ?? 0
      if (action) continue
      if (f.deny) action = 'deny'
      else if (fires(f.throttleRate, n)) action = 'throttle'
      else if (fires(f.errorRate, n)) action = 'error'
      else if (fires(f.malformedRate, n)) action = 'malformed'
    }
    return action ? { latencyMs, action } : { latencyMs }
  }

  record(
    ctx: CallContext,
    outcome: { billableUnits?: number; throttled?: boolean; error?: boolean } = {},
  ): void {
    const key = `${ctx.cloud}|${ctx.account}|${ctx.region}|${ctx.api}|${ctx.operation}`
    let row = this.calls.get(key)
    if (!row) this.calls.set(key, (row = { ...ctx, calls: 0, billableUnits: 0, throttled: 0, errors: 0 }))
    row.calls++
    row.billableUnits += outcome.billableUnits ?? 0
    if (outcome.throttled) row.throttled++
    if (outcome.error) row.errors++
  }

  callRows(): CallRow[] {
    return [...this.calls.values()].map((r) => ({ ...r }))
  }

  resetCalls(): void {
    this.calls = new Map()
  }
}

function matches(f: FaultRule, ctx: CallContext): boolean {
  return (
    (f.cloud === undefined || f.cloud === ctx.cloud) &&
    (f.api === undefined || f.api === ctx.api) &&
    (f.operation === undefined || f.operation === ctx.operation) &&
    (f.account === undefined || f.account.toLowerCase() === ctx.account.toLowerCase()) &&
    (f.region === undefined || f.region === ctx.region)
  )
}

/** Evenly spread, starting with the first call: the n-th matching call fires when ceil((n+1)·r) > ceil(n·r). */
function fires(rate: number | undefined, n: number): boolean {
  if (!rate || rate <= 0) return false
  if (rate >= 1) return true
  return Math.ceil((n + 1) * rate) > Math.ceil(n * rate)
}
