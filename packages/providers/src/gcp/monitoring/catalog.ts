/** The built-in Cloud Monitoring catalogue: metrics are named by their full metric type. */
import type { MetricDefinition } from '../../contract'

// Compute/SQL agents sample every 60 s and publish within ~4 min (metadata.ingestDelay).
const P = 300
const D = 300
const m = (metric: string, stat: string, unit: string): MetricDefinition => ({
  metric,
  stat,
  unit,
  periodSeconds: P,
  delaySeconds: D,
})

export const GCP_RESOURCE_TYPES = ['gcp.instance', 'gcp.sql_instance', 'gcp.network'] as const
export type GcpResourceType = (typeof GCP_RESOURCE_TYPES)[number]

/** Monitored-resource type and the label that carries our native id. */
export const GCP_MONITORED_RESOURCE: Record<GcpResourceType, { type: string; idLabel: string } | null> = {
  'gcp.instance': { type: 'gce_instance', idLabel: 'instance_id' },
  'gcp.sql_instance': { type: 'cloudsql_database', idLabel: 'database_id' },
  'gcp.network': null,
}

export const GCP_METRIC_CATALOG: Record<GcpResourceType, MetricDefinition[]> = {
  'gcp.instance': [
    m('compute.googleapis.com/instance/cpu/utilization', 'Average', 'ratio'),
    m('compute.googleapis.com/instance/network/received_bytes_count', 'Sum', 'By'),
    m('compute.googleapis.com/instance/network/sent_bytes_count', 'Sum', 'By'),
  ],
  'gcp.sql_instance': [
    m('cloudsql.googleapis.com/database/cpu/utilization', 'Average', 'ratio'),
    m('cloudsql.googleapis.com/database/memory/utilization', 'Average', 'ratio'),
    m('cloudsql.googleapis.com/database/network/connections', 'Average', 'count'),
  ],
  'gcp.network': [],
}

export function isGcpResourceType(t: string): t is GcpResourceType {
  return t in GCP_METRIC_CATALOG
}

/** Our stat names → Cloud Monitoring per-series aligners. */
export const ALIGNERS: Record<
  string,
  'ALIGN_MEAN' | 'ALIGN_SUM' | 'ALIGN_MAX' | 'ALIGN_MIN' | 'ALIGN_COUNT'
> = {
  Average: 'ALIGN_MEAN',
  Sum: 'ALIGN_SUM',
  Total: 'ALIGN_SUM',
  Maximum: 'ALIGN_MAX',
  Minimum: 'ALIGN_MIN',
  SampleCount: 'ALIGN_COUNT',
}
