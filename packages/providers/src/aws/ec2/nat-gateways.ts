import type { EC2 } from '@aws-sdk/client-ec2'
import type { ResourceState } from '@cms/core'
import type { NormalizedResource } from '../../contract'
import { badResponse } from '../../shared/call'
import { mapState, tagsFromKeyValues, toDate } from '../../shared/normalize'
import { collectPages } from '../../shared/paging'
import type { AwsRegionScope } from '../scope'

export type NatGatewaysApi = Pick<EC2, 'describeNatGateways'>
const STATES: Record<string, ResourceState> = {
  pending: 'pending',
  available: 'available',
  failed: 'stopped',
  deleting: 'terminated',
  deleted: 'terminated',
}

export async function listNatGateways(api: NatGatewaysApi, s: AwsRegionScope): Promise<NormalizedResource[]> {
  return collectPages(s.run, { api: 'ec2', operation: 'DescribeNatGateways' }, async (token) => {
    const out = await api.describeNatGateways({ MaxResults: 1000, ...(token ? { NextToken: token } : {}) })
    if (!out.NatGateways) throw badResponse('DescribeNatGateways returned no list')
    const items = out.NatGateways.map((n): NormalizedResource => {
      if (!n.NatGatewayId) throw badResponse('a NAT gateway has no NatGatewayId')
      const tags = tagsFromKeyValues(n.Tags)
      return {
        cloud: 'aws',
        accountNativeId: s.accountId,
        region: s.region,
        type: 'nat_gateway',
        nativeId: n.NatGatewayId,
        name: tags.Name ?? null,
        state: mapState(n.State, STATES),
        nativeState: n.State ?? null,
        tags,
        createdAt: toDate(n.CreateTime),
        attributes: {
          vpcId: n.VpcId ?? null,
          subnetId: n.SubnetId ?? null,
          connectivityType: n.ConnectivityType ?? null,
          publicIps: (n.NatGatewayAddresses ?? []).map((a) => a.PublicIp).filter(Boolean),
          privateIps: (n.NatGatewayAddresses ?? []).map((a) => a.PrivateIp).filter(Boolean),
        },
      }
    })
    return { items, next: out.NextToken }
  })
}
