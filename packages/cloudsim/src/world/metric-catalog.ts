/**
 * Which metrics each simulated resource type publishes, in each cloud's own names and units, and the
 * shape of their values (range, diurnal amplitude, noise). The value function in metrics.ts reads these.
 */
import type { ResourceType } from './types'

export interface MetricSpec {
  /** Cloud-native metric name (CloudWatch MetricName, Azure metric name, GCP metric type). */
  name: string
  unit: string
  /** Hard bounds of a per-minute sample. */
  min: number
  max: number
  /** The per-series mean is drawn from [baseLo, baseHi]. */
  baseLo: number
  baseHi: number
  /** Diurnal swing and noise as fractions of the base. */
  amp: number
  noise: number
  /** Integer-valued samples (counts, connections). */
  integer?: boolean
}

const pct = (name: string, unit = 'Percent'): MetricSpec => ({
  name,
  unit,
  min: 0,
  max: 100,
  baseLo: 5,
  baseHi: 60,
  amp: 0.5,
  noise: 0.3,
})
const frac = (name: string): MetricSpec => ({
  name,
  unit: '10^2.%',
  min: 0,
  max: 1,
  baseLo: 0.05,
  baseHi: 0.6,
  amp: 0.5,
  noise: 0.3,
})
const bytes = (name: string, unit = 'Bytes', lo = 1e5, hi = 5e7): MetricSpec => ({
  name,
  unit,
  min: 0,
  max: 1e12,
  baseLo: lo,
  baseHi: hi,
  amp: 0.6,
  noise: 0.4,
  integer: true,
})
const count = (name: string, unit = 'Count', lo = 1, hi = 200): MetricSpec => ({
  name,
  unit,
  min: 0,
  max: 1e9,
  baseLo: lo,
  baseHi: hi,
  amp: 0.5,
  noise: 0.4,
  integer: true,
})

export interface TypeMetrics {
  /** CloudWatch namespace / Azure metric namespace / GCP monitored-resource type / NCP Cloud Insight product name. */
  namespace: string
  /** CloudWatch dimension that names the resource (AWS only). */
  dimension?: string
  metrics: MetricSpec[]
}

export const METRICS_BY_TYPE: Partial<Record<ResourceType, TypeMetrics>> = {
  'ec2.instance': {
    namespace: 'AWS/EC2',
    dimension: 'InstanceId',
    metrics: [
      pct('CPUUtilization'),
      bytes('NetworkIn'),
      bytes('NetworkOut'),
      count('DiskReadOps'),
      count('DiskWriteOps'),
      count('EBSReadOps'),
      count('EBSWriteOps'),
      { ...count('StatusCheckFailed', 'Count', 0, 0.02), max: 1 },
    ],
  },
  'rds.instance': {
    namespace: 'AWS/RDS',
    dimension: 'DBInstanceIdentifier',
    metrics: [
      pct('CPUUtilization'),
      count('DatabaseConnections'),
      bytes('FreeableMemory', 'Bytes', 1e9, 8e9),
      bytes('FreeStorageSpace', 'Bytes', 5e9, 5e10),
      count('ReadIOPS', 'Count/Second'),
      count('WriteIOPS', 'Count/Second'),
    ],
  },
  'rds.cluster': {
    namespace: 'AWS/RDS',
    dimension: 'DBClusterIdentifier',
    metrics: [
      pct('CPUUtilization'),
      count('DatabaseConnections'),
      bytes('FreeableMemory', 'Bytes', 1e9, 8e9),
    ],
  },
  nat_gateway: {
    namespace: 'AWS/NATGateway',
    dimension: 'NatGatewayId',
    metrics: [
      bytes('BytesOutToDestination'),
      bytes('BytesInFromDestination'),
      bytes('BytesInFromSource'),
      bytes('BytesOutToSource'),
      count('ActiveConnectionCount'),
      count('PacketsDropCount', 'Count', 0, 3),
    ],
  },
  'azure.vm': {
    namespace: 'Microsoft.Compute/virtualMachines',
    metrics: [
      pct('Percentage CPU'),
      bytes('Network In Total'),
      bytes('Network Out Total'),
      bytes('Available Memory Bytes', 'Bytes', 1e9, 8e9),
      bytes('Disk Read Bytes'),
      bytes('Disk Write Bytes'),
    ],
  },
  'azure.sql_database': {
    namespace: 'Microsoft.Sql/servers/databases',
    metrics: [
      pct('cpu_percent'),
      pct('dtu_consumption_percent'),
      pct('storage_percent'),
      count('connection_successful'),
    ],
  },
  'gcp.instance': {
    namespace: 'gce_instance',
    metrics: [
      frac('compute.googleapis.com/instance/cpu/utilization'),
      bytes('compute.googleapis.com/instance/network/received_bytes_count', 'By'),
      bytes('compute.googleapis.com/instance/network/sent_bytes_count', 'By'),
      bytes('compute.googleapis.com/instance/disk/read_bytes_count', 'By'),
    ],
  },
  'gcp.sql_instance': {
    namespace: 'cloudsql_database',
    metrics: [
      frac('cloudsql.googleapis.com/database/cpu/utilization'),
      frac('cloudsql.googleapis.com/database/memory/utilization'),
      count('cloudsql.googleapis.com/database/network/connections', '1'),
    ],
  },
  // Cloud Insight (docs/ncp-wire.md §5): product System/Server(VPC), dimension instanceNo.
  'ncp.server': {
    namespace: 'System/Server(VPC)',
    metrics: [
      pct('avg_cpu_used_rto', '%'),
      { ...pct('mem_usert', '%'), baseLo: 20, baseHi: 80, amp: 0.1, noise: 0.05 },
      { ...pct('avg_fs_usert', '%'), baseLo: 10, baseHi: 70, amp: 0.02, noise: 0.01 },
      bytes('avg_read_byt_cnt', 'bytes/sec', 1e4, 5e6),
      bytes('avg_write_byt_cnt', 'bytes/sec', 1e4, 5e6),
      bytes('avg_rcv_bps', 'bits/sec', 1e5, 2e8),
      bytes('avg_snd_bps', 'bits/sec', 1e5, 2e8),
    ],
  },
  'ncp.mysql': {
    namespace: 'System/Cloud DB for MySQL(VPC)',
    metrics: [
      count('mysql_select', 'query/sec', 5, 2000),
      count('mysql_insert', 'query/sec', 1, 300),
      count('mysql_update', 'query/sec', 1, 300),
      count('mysql_delete', 'query/sec', 0, 50),
    ],
  },
}

/** GCP metric kinds: byte counters are DELTA, the rest GAUGE (as in Cloud Monitoring). */
export function gcpMetricKind(metric: string): 'GAUGE' | 'DELTA' {
  return metric.endsWith('_count') ? 'DELTA' : 'GAUGE'
}

export function metricSpec(type: ResourceType, metric: string): MetricSpec | undefined {
  return METRICS_BY_TYPE[type]?.metrics.find((m) => m.name === metric)
}
