/**
 * One typed registry of providers: a missing cloud is a compile error (CONVENTIONS §3).
 *
 * Each cloud's implementation (and so its SDKs) is imported on first use, not when the registry is:
 * the AWS, Azure and GCP SDKs cost ~270 MB of RSS to load, and a process that only ever talks to one cloud
 * (a web server verifying an AWS account, a worker whose tenants are all on Azure) should not pay for
 * the others. The registry's entries are complete `Provider`s with the same capabilities as the
 * implementations (checked by registry.test.ts); catalogues stay synchronous (pure data modules).
 */
import type { CloudKind } from '@cms/core'
import { AWS_METRIC_CATALOG, isAwsResourceType } from './aws/cloudwatch/catalog'
import { AZURE_METRIC_CATALOG, isAzureResourceType } from './azure/monitor/catalog'
import type { MetricDefinition, Provider, ProviderRegistry } from './contract'
import { GCP_METRIC_CATALOG, isGcpResourceType } from './gcp/monitoring/catalog'
import { NCP_METRIC_CATALOG, isNcpMetricType } from './ncp/cloudinsight/catalog'

/** What a lazily loaded provider declares up front: the implementation's capabilities (registry.test.ts checks they match). */
export interface LazyCapabilities {
  inventory?: true
  /** Catalogues are synchronous, so they come from the pure catalogue modules, not the implementation. */
  metrics?: { catalog(type: string): MetricDefinition[] }
  costs?: true
}

/** A provider whose every call first imports the real one (once; concurrent first calls share the import). */
export function lazyProvider<K extends CloudKind>(
  cloud: K,
  load: () => Promise<Provider<K>>,
  caps: LazyCapabilities,
): Provider<K> {
  let loading: Promise<Provider<K>> | undefined
  const real = () => (loading ??= load())
  const capability = async <C extends 'inventory' | 'metrics' | 'costs'>(c: C) => {
    const impl = (await real())[c]
    if (!impl) throw new Error(`the ${cloud} provider has no ${c} capability`)
    return impl as NonNullable<Provider<K>[C]>
  }
  const { metrics } = caps
  return {
    cloud,
    verify: async (creds, ctx) => (await real()).verify(creds, ctx),
    ...(caps.inventory && {
      inventory: {
        listRegions: async (creds, ctx) => (await capability('inventory')).listRegions(creds, ctx),
        discover: async (creds, opts, ctx) => (await capability('inventory')).discover(creds, opts, ctx),
      },
    }),
    ...(metrics && {
      metrics: {
        catalog: (type) => metrics.catalog(type),
        fetch: async (creds, opts, ctx) => (await capability('metrics')).fetch(creds, opts, ctx),
      },
    }),
    ...(caps.costs && {
      costs: {
        fetchDaily: async (creds, opts, ctx) => (await capability('costs')).fetchDaily(creds, opts, ctx),
      },
    }),
  }
}

export const providers: ProviderRegistry = {
  aws: lazyProvider('aws', async () => (await import('./aws/provider')).awsProvider, {
    inventory: true,
    metrics: { catalog: (type) => (isAwsResourceType(type) ? AWS_METRIC_CATALOG[type] : []) },
    costs: true,
  }),
  azure: lazyProvider('azure', async () => (await import('./azure/provider')).azureProvider, {
    inventory: true,
    metrics: { catalog: (type) => (isAzureResourceType(type) ? AZURE_METRIC_CATALOG[type] : []) },
    costs: true,
  }),
  gcp: lazyProvider('gcp', async () => (await import('./gcp/provider')).gcpProvider, {
    inventory: true,
    metrics: { catalog: (type) => (isGcpResourceType(type) ? GCP_METRIC_CATALOG[type] : []) },
    costs: true,
  }),
  ncp: lazyProvider('ncp', async () => (await import('./ncp/provider')).ncpProvider, {
    inventory: true,
    metrics: { catalog: (type) => (isNcpMetricType(type) ? NCP_METRIC_CATALOG[type] : []) },
    costs: true,
  }),
}

export function providerFor<K extends CloudKind>(cloud: K): Provider<K> {
  return providers[cloud] as Provider<K>
}

/** What each cloud can do, for the UI and the scheduler (capabilities, not fat interfaces). */
export function capabilitiesOf(cloud: CloudKind): Array<'verify' | 'inventory' | 'metrics' | 'costs'> {
  const p = providers[cloud]
  return [
    'verify' as const,
    ...(p.inventory ? ['inventory' as const] : []),
    ...(p.metrics ? ['metrics' as const] : []),
    ...(p.costs ? ['costs' as const] : []),
  ]
}
