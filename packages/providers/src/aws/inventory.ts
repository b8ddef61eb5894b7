/** The AWS inventory registry: one lister per resource type (a missing one is a compile error). */
import type { NormalizedResource } from '../contract'
import type { AwsClients } from './clients'
import { listEc2Instances } from './ec2/instances'
import { listNatGateways } from './ec2/nat-gateways'
import { listSubnets } from './ec2/subnets'
import { listVpcs } from './ec2/vpcs'
import { listRdsClusters } from './rds/clusters'
import { listRdsInstances } from './rds/instances'
import type { AwsRegionScope } from './scope'

export const AWS_RESOURCE_TYPES = [
  'ec2.instance',
  'rds.instance',
  'rds.cluster',
  'vpc',
  'subnet',
  'nat_gateway',
] as const
export type AwsResourceType = (typeof AWS_RESOURCE_TYPES)[number]

export interface AwsLister {
  /** The IAM action the lister needs (verify checks it, README lists it). */
  permission: string
  list(clients: AwsClients, s: AwsRegionScope): Promise<NormalizedResource[]>
  /** The cheapest call proving the permission (one small page), for verify. */
  probe(clients: AwsClients, s: AwsRegionScope): Promise<unknown>
}

export const AWS_INVENTORY: Record<AwsResourceType, AwsLister> = {
  'ec2.instance': {
    permission: 'ec2:DescribeInstances',
    list: (c, s) => listEc2Instances(c.ec2(s.region), s),
    probe: (c, s) =>
      s.run({ api: 'ec2', operation: 'DescribeInstances' }, () =>
        c.ec2(s.region).describeInstances({ MaxResults: 5 }),
      ),
  },
  'rds.instance': {
    permission: 'rds:DescribeDBInstances',
    list: (c, s) => listRdsInstances(c.rds(s.region), s),
    probe: (c, s) =>
      s.run({ api: 'rds', operation: 'DescribeDBInstances' }, () =>
        c.rds(s.region).describeDBInstances({ MaxRecords: 20 }),
      ),
  },
  'rds.cluster': {
    permission: 'rds:DescribeDBClusters',
    list: (c, s) => listRdsClusters(c.rds(s.region), s),
    probe: (c, s) =>
      s.run({ api: 'rds', operation: 'DescribeDBClusters' }, () =>
        c.rds(s.region).describeDBClusters({ MaxRecords: 20 }),
      ),
  },
  vpc: {
    permission: 'ec2:DescribeVpcs',
    list: (c, s) => listVpcs(c.ec2(s.region), s),
    probe: (c, s) =>
      s.run({ api: 'ec2', operation: 'DescribeVpcs' }, () => c.ec2(s.region).describeVpcs({ MaxResults: 5 })),
  },
  subnet: {
    permission: 'ec2:DescribeSubnets',
    list: (c, s) => listSubnets(c.ec2(s.region), s),
    probe: (c, s) =>
      s.run({ api: 'ec2', operation: 'DescribeSubnets' }, () =>
        c.ec2(s.region).describeSubnets({ MaxResults: 5 }),
      ),
  },
  nat_gateway: {
    permission: 'ec2:DescribeNatGateways',
    list: (c, s) => listNatGateways(c.ec2(s.region), s),
    probe: (c, s) =>
      s.run({ api: 'ec2', operation: 'DescribeNatGateways' }, () =>
        c.ec2(s.region).describeNatGateways({ MaxResults: 5 }),
      ),
  },
}
