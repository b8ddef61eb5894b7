import type { EC2 } from '@aws-sdk/client-ec2'
import type { ResourceState } from '@cms/core'
import type { NormalizedResource } from '../../contract'
import { badResponse } from '../../shared/call'
import { mapState, tagsFromKeyValues } from '../../shared/normalize'
import { collectPages } from '../../shared/paging'
import type { AwsRegionScope } from '../scope'

export type SubnetsApi = Pick<EC2, 'describeSubnets'>
const STATES: Record<string, ResourceState> = {
  pending: 'pending',
  available: 'available',
  unavailable: 'stopped',
}

export async function listSubnets(api: SubnetsApi, s: AwsRegionScope): Promise<NormalizedResource[]> {
  return collectPages(s.run, { api: 'ec2', operation: 'DescribeSubnets' }, async (token) => {
    const out = await api.describeSubnets({ MaxResults: 1000, ...(token ? { NextToken: token } : {}) })
    if (!out.Subnets) throw badResponse('DescribeSubnets returned no subnet list')
    const items = out.Subnets.map((n): NormalizedResource => {
      if (!n.SubnetId) throw badResponse('a subnet has no SubnetId')
      const tags = tagsFromKeyValues(n.Tags)
      return {
        cloud: 'aws',
        accountNativeId: s.accountId,
        region: s.region,
        type: 'subnet',
        nativeId: n.SubnetId,
        name: tags.Name ?? null,
        state: mapState(n.State, STATES),
        nativeState: n.State ?? null,
        tags,
        createdAt: null,
        attributes: {
          cidr: n.CidrBlock ?? null,
          vpcId: n.VpcId ?? null,
          availabilityZone: n.AvailabilityZone ?? null,
          availableIpAddressCount: n.AvailableIpAddressCount ?? null,
          mapPublicIpOnLaunch: n.MapPublicIpOnLaunch ?? false,
          isDefault: n.DefaultForAz ?? false,
        },
      }
    })
    return { items, next: out.NextToken }
  })
}
