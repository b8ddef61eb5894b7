import type { EC2 } from '@aws-sdk/client-ec2'
import type { ResourceState } from '@cms/core'
import type { NormalizedResource } from '../../contract'
import { badResponse } from '../../shared/call'
import { mapState, tagsFromKeyValues } from '../../shared/normalize'
import { collectPages } from '../../shared/paging'
import type { AwsRegionScope } from '../scope'

export type VpcsApi = Pick<EC2, 'describeVpcs'>
const STATES: Record<string, ResourceState> = { pending: 'pending', available: 'available' }

export async function listVpcs(api: VpcsApi, s: AwsRegionScope): Promise<NormalizedResource[]> {
  return collectPages(s.run, { api: 'ec2', operation: 'DescribeVpcs' }, async (token) => {
    const out = await api.describeVpcs({ MaxResults: 1000, ...(token ? { NextToken: token } : {}) })
    if (!out.Vpcs) throw badResponse('DescribeVpcs returned no VPC list')
    const items = out.Vpcs.map((v): NormalizedResource => {
      if (!v.VpcId) throw badResponse('a VPC has no VpcId')
      const tags = tagsFromKeyValues(v.Tags)
      return {
        cloud: 'aws',
        accountNativeId: s.accountId,
        region: s.region,
        type: 'vpc',
        nativeId: v.VpcId,
        name: tags.Name ?? null,
        state: mapState(v.State, STATES),
        nativeState: v.State ?? null,
        tags,
        // EC2 does not record when a VPC was created.
        createdAt: null,
        attributes: {
          cidr: v.CidrBlock ?? null,
          cidrs: (v.CidrBlockAssociationSet ?? []).map((c) => c.CidrBlock).filter(Boolean),
          isDefault: v.IsDefault ?? false,
          tenancy: v.InstanceTenancy ?? null,
        },
      }
    })
    return { items, next: out.NextToken }
  })
}
