/**
 * The built-in Cloud Insight catalogue. Metrics are named by their Cloud Insight metric name; the
 * product key (cw_key) of each resource type is a documented constant (api.ncloud-docs.com
 * compute-vserver-metric: System/Server(VPC) 460438474722512896; database-vmysql-metric: System/Cloud DB
 * for MySQL(VPC) 470208511578607616), so a poll needs no schema lookup. A tenant's custom metric names
 * its own product key in `MetricDefinition.namespace`.
 */
import type { MetricDefinition } from '../../contract'
import type { NcpResourceType } from '../inventory'

/** Min5 buckets; a bucket is complete once its last sample (visible ~60 s after its minute) is in. */
const P = 300
const D = 300
const m = (metric: string, unit: string, stat = 'Average'): MetricDefinition => ({
  metric,
  stat,
  unit,
  periodSeconds: P,
  delaySeconds: D,
})

export interface CloudInsightProduct {
  /** Product key (cw_key / prodKey). */
  prodKey: string
  productName: string
  /** The dimension that carries our native id. */
  dimension: string
}

export const NCP_METRIC_PRODUCTS: Record<NcpResourceType, CloudInsightProduct | null> = {
  'ncp.server': { prodKey: '460438474722512896', productName: 'System/Server(VPC)', dimension: 'instanceNo' },
  'ncp.mysql': {
    prodKey: '470208511578607616',
    productName: 'System/Cloud DB for MySQL(VPC)',
    dimension: 'instanceNo',
  },
  'ncp.vpc': null,
  'ncp.nat_gateway': null,
}

export const NCP_METRIC_CATALOG: Record<NcpResourceType, MetricDefinition[]> = {
  // The "Basic, Default" server metrics: CPU, memory, file system, disk and network.
  'ncp.server': [
    m('avg_cpu_used_rto', 'Percent'),
    m('mem_usert', 'Percent'),
    m('avg_fs_usert', 'Percent'),
    m('avg_read_byt_cnt', 'Bytes/Second'),
    m('avg_write_byt_cnt', 'Bytes/Second'),
    m('avg_rcv_bps', 'Bits/Second'),
    m('avg_snd_bps', 'Bits/Second'),
  ],
  'ncp.mysql': [
    m('mysql_select', 'Count/Second'),
    m('mysql_insert', 'Count/Second'),
    m('mysql_update', 'Count/Second'),
    m('mysql_delete', 'Count/Second'),
  ],
  'ncp.vpc': [],
  'ncp.nat_gateway': [],
}

export function isNcpMetricType(t: string): t is NcpResourceType {
  return t in NCP_METRIC_CATALOG
}

/** Our stat names → Cloud Insight aggregations (AVG | MAX | MIN | SUM | COUNT). */
export const AGGREGATIONS: Record<string, 'AVG' | 'MAX' | 'MIN' | 'SUM' | 'COUNT'> = {
  Average: 'AVG',
  Maximum: 'MAX',
  Minimum: 'MIN',
  Sum: 'SUM',
  Total: 'SUM',
  SampleCount: 'COUNT',
}

/** Cloud Insight intervals by period. */
export const INTERVALS: Record<number, 'Min1' | 'Min5' | 'Min30' | 'Hour2' | 'Day1'> = {
  60: 'Min1',
  300: 'Min5',
  1800: 'Min30',
  7200: 'Hour2',
  86400: 'Day1',
}
