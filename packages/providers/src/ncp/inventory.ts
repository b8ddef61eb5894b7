/** The NCP inventory registry: resource type → lister, the sub-account action it needs, a cheap probe. */
import type { NormalizedResource } from '../contract'
import type { NcpScope } from './scope'
import { listNcpServers } from './vserver/servers'
import { listNcpMysqlInstances } from './vmysql/instances'
import { listNcpNatGateways } from './vpc/nat-gateways'
import { listNcpVpcs } from './vpc/vpcs'

export const NCP_RESOURCE_TYPES = ['ncp.server', 'ncp.vpc', 'ncp.nat_gateway', 'ncp.mysql'] as const
export type NcpResourceType = (typeof NCP_RESOURCE_TYPES)[number]

export interface NcpLister {
  /** The Sub Account action (user-defined policy) the lister needs; a managed *_VIEWER policy grants it. */
  permission: string
  list(s: NcpScope): Promise<NormalizedResource[]>
  /** One page of one item: proves the permission at the smallest cost. */
  probe(s: NcpScope): Promise<unknown>
}

const probe = (s: NcpScope, api: string, operation: string, path: string) =>
  s.run({ api, operation }, () =>
    s.client.get('ncloud', path, { regionCode: s.region, pageNo: 1, pageSize: 1 }),
  )

export const NCP_INVENTORY: Record<NcpResourceType, NcpLister> = {
  'ncp.server': {
    permission: 'Server View/getServerInstanceList',
    list: listNcpServers,
    probe: (s) => probe(s, 'ncp.vserver', 'getServerInstanceList', '/vserver/v2/getServerInstanceList'),
  },
  'ncp.vpc': {
    permission: 'VPC View/getVpcList',
    list: listNcpVpcs,
    probe: (s) => probe(s, 'ncp.vpc', 'getVpcList', '/vpc/v2/getVpcList'),
  },
  'ncp.nat_gateway': {
    permission: 'VPC View/getNatGatewayInstanceList',
    list: listNcpNatGateways,
    probe: (s) => probe(s, 'ncp.vpc', 'getNatGatewayInstanceList', '/vpc/v2/getNatGatewayInstanceList'),
  },
  'ncp.mysql': {
    permission: 'Cloud DB for MySQL View/getCloudMysqlInstanceList',
    list: listNcpMysqlInstances,
    probe: (s) => probe(s, 'ncp.vmysql', 'getCloudMysqlInstanceList', '/vmysql/v2/getCloudMysqlInstanceList'),
  },
}

export function isNcpResourceType(t: string): t is NcpResourceType {
  return (NCP_RESOURCE_TYPES as readonly string[]).includes(t)
}
