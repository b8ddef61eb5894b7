export * from './contract'
export { providers, providerFor, capabilitiesOf } from './registry'
// The per-cloud providers are the registry's entries: importing this index loads no cloud SDK;
// each cloud's is loaded on its first call (registry.ts).
import { providers } from './registry'
export const awsProvider = providers.aws
export const azureProvider = providers.azure
export const gcpProvider = providers.gcp
export const ncpProvider = providers.ncp
export { TokenBucketBudget, KeyedConcurrency } from './shared/budget'
export { API_LIMITS, budgetKey, limitForKey, type ApiLimit } from './shared/limits'
export { CallMeter, mergeCalls, PRICES_USD } from './shared/calls'
export { alignWindow } from './shared/windows'
export { AWS_METRIC_CATALOG } from './aws/cloudwatch/catalog'
export { AZURE_METRIC_CATALOG } from './azure/monitor/catalog'
export { GCP_METRIC_CATALOG } from './gcp/monitoring/catalog'
export { NCP_METRIC_CATALOG } from './ncp/cloudinsight/catalog'
