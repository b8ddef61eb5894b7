/**
 * The built-in CloudWatch catalogue per resource type. One (period, delay) for all of them on purpose:
 * every query of a region then fits the same GetMetricData window, so calls = ⌈queries / 500⌉.
 */
import type { MetricDefinition } from '../../contract'
import type { AwsResourceType } from '../inventory'

/** 5-minute basic monitoring; values converge within minutes, so hold back 10 min (cloudwatch_exporter default). */
const P = 300
const D = 600
const m = (metric: string, stat: string, unit: string): MetricDefinition => ({
  metric,
  stat,
  unit,
  periodSeconds: P,
  delaySeconds: D,
})

export interface CloudWatchSource {
  namespace: string
  /** The dimension that identifies one resource; its value is the resource's native id. */
  dimension: string
}

export const AWS_METRIC_SOURCES: Record<AwsResourceType, CloudWatchSource | null> = {
  'ec2.instance': { namespace: 'AWS/EC2', dimension: 'InstanceId' },
  'rds.instance': { namespace: 'AWS/RDS', dimension: 'DBInstanceIdentifier' },
  'rds.cluster': { namespace: 'AWS/RDS', dimension: 'DBClusterIdentifier' },
  nat_gateway: { namespace: 'AWS/NATGateway', dimension: 'NatGatewayId' },
  vpc: null,
  subnet: null,
}

export const AWS_METRIC_CATALOG: Record<AwsResourceType, MetricDefinition[]> = {
  'ec2.instance': [
    m('CPUUtilization', 'Average', 'Percent'),
    m('NetworkIn', 'Sum', 'Bytes'),
    m('NetworkOut', 'Sum', 'Bytes'),
    m('StatusCheckFailed', 'Maximum', 'Count'),
    m('EBSReadOps', 'Sum', 'Count'),
    m('EBSWriteOps', 'Sum', 'Count'),
  ],
  'rds.instance': [
    m('CPUUtilization', 'Average', 'Percent'),
    m('DatabaseConnections', 'Average', 'Count'),
    m('FreeStorageSpace', 'Minimum', 'Bytes'),
    m('FreeableMemory', 'Minimum', 'Bytes'),
    m('ReadIOPS', 'Average', 'Count/Second'),
    m('WriteIOPS', 'Average', 'Count/Second'),
  ],
  'rds.cluster': [
    m('CPUUtilization', 'Average', 'Percent'),
    m('DatabaseConnections', 'Average', 'Count'),
    m('FreeableMemory', 'Minimum', 'Bytes'),
  ],
  nat_gateway: [
    m('BytesOutToDestination', 'Sum', 'Bytes'),
    m('BytesInFromDestination', 'Sum', 'Bytes'),
    m('BytesInFromSource', 'Sum', 'Bytes'),
    m('BytesOutToSource', 'Sum', 'Bytes'),
    m('PacketsDropCount', 'Sum', 'Count'),
    m('ActiveConnectionCount', 'Maximum', 'Count'),
  ],
  vpc: [],
  subnet: [],
}

export function isAwsResourceType(t: string): t is AwsResourceType {
  return t in AWS_METRIC_CATALOG
}
