/** @cms/cloudsim — a wire-compatible AWS / Azure / GCP / NCP simulator for tests, the demo and benchmarks. */
export {
  startCloudSim,
  type CloudSim,
  type CloudSimOptions,
  type CloudSimUrls,
  type CloudSimExtension,
  type ExtraRoute,
} from './start'
export type { Reply } from './http'
export type { Sim } from './control/sim'
export {
  SimControl,
  ControlError,
  type AccountView,
  type ResourceView,
  type CreateResourceInput,
  type NcpCredentials,
} from './control/control'
export { ncpSignature, TIMESTAMP_WINDOW_MS } from './ncp/ncp-server'
export { NCP_PRODUCTS, MAX_CONDITIONS } from './ncp/cloud-insight'
export type { FaultRule, CallRow, SimLimits } from './control/sim'
export {
  metricValue,
  aggregateBuckets,
  reduce,
  sampleAt,
  seriesGen,
  stateAt,
  isStat,
  SAMPLE_SECONDS,
  INGEST_DELAY_SECONDS,
  type Bucket,
  type Stat,
} from './world/metrics'
export { METRICS_BY_TYPE, metricSpec, gcpMetricKind, type MetricSpec } from './world/metric-catalog'
export {
  dailyCosts,
  resourceCost,
  hourlyPrice,
  BILLING_SERVICE,
  CURRENCY,
  type DailyCostRow,
} from './world/costs'
export { NCP_REGIONS } from './world/regions'
export { buildWorld, SCENARIOS, type ScenarioName, type ScenarioOptions } from './world/scenarios'
export { World, POLLER_ACCOUNT } from './world/world'
export {
  RESOURCE_TYPES,
  type ResourceType,
  type SimResource,
  type SimState,
  type CloudKind,
} from './world/types'
