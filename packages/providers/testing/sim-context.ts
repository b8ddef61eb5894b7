/** Test helpers: a ProviderContext pointed at a running cloudsim, with a fresh in-memory budget. */
import type { CloudSim } from '@cms/cloudsim'
import type { ApiCallCount, ProviderContext } from '../src/contract'
import { TokenBucketBudget } from '../src/shared/budget'

export function simContext(sim: CloudSim, extra: Partial<ProviderContext> = {}): ProviderContext {
  return {
    endpoints: {
      aws: sim.urls.aws,
      azure: sim.urls.azure,
      gcp: sim.urls.gcp,
      ncp: sim.urls.ncp,
      caPem: sim.caCertPem,
    },
    budget: new TokenBucketBudget(),
    costRequestsPerDay: 1000,
    ...extra,
  }
}

export function callsOf(calls: ApiCallCount[], operation: string): number {
  return calls.filter((c) => c.operation === operation).reduce((n, c) => n + c.calls, 0)
}

/** What cloudsim itself counted, per operation (the independent witness). */
export function simCalls(sim: CloudSim, operation: string, account?: string): number {
  return sim.control
    .calls()
    .rows.filter(
      (r) => r.operation === operation && (!account || r.account.toLowerCase() === account.toLowerCase()),
    )
    .reduce((n, r) => n + r.calls, 0)
}
