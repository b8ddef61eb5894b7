import type { EC2, Instance } from '@aws-sdk/client-ec2'
import type { ResourceState } from '@cms/core'
import type { NormalizedResource } from '../../contract'
import { badResponse } from '../../shared/call'
import { mapState, tagsFromKeyValues, toDate } from '../../shared/normalize'
import { collectPages } from '../../shared/paging'
import type { AwsRegionScope } from '../scope'

export type Ec2InstancesApi = Pick<EC2, 'describeInstances'>

const STATES: Record<string, ResourceState> = {
  pending: 'pending',
  running: 'running',
  stopping: 'stopped',
  stopped: 'stopped',
  'shutting-down': 'terminated',
  terminated: 'terminated',
}

/** DescribeInstances (not the tagging API) so untagged instances are found; 1,000 per page. */
export async function listEc2Instances(
  api: Ec2InstancesApi,
  s: AwsRegionScope,
): Promise<NormalizedResource[]> {
  return collectPages(s.run, { api: 'ec2', operation: 'DescribeInstances' }, async (token) => {
    const out = await api.describeInstances({ MaxResults: 1000, ...(token ? { NextToken: token } : {}) })
    if (!out.Reservations) throw badResponse('DescribeInstances returned no reservation list')
    const items = out.Reservations.flatMap((r) => (r.Instances ?? []).map((i) => normalizeInstance(i, s)))
    return { items, next: out.NextToken }
  })
}

export function normalizeInstance(
  i: Instance,
  s: Pick<AwsRegionScope, 'accountId' | 'region'>,
): NormalizedResource {
  if (!i.InstanceId) throw badResponse('an EC2 instance has no InstanceId')
  const tags = tagsFromKeyValues(i.Tags)
  return {
    cloud: 'aws',
    accountNativeId: s.accountId,
    region: s.region,
    type: 'ec2.instance',
    nativeId: i.InstanceId,
    name: tags.Name ?? null,
    state: mapState(i.State?.Name, STATES),
    nativeState: i.State?.Name ?? null,
    tags,
    createdAt: toDate(i.LaunchTime),
    attributes: {
      instanceType: i.InstanceType ?? null,
      availabilityZone: i.Placement?.AvailabilityZone ?? null,
      vpcId: i.VpcId ?? null,
      subnetId: i.SubnetId ?? null,
      privateIp: i.PrivateIpAddress ?? null,
      publicIp: i.PublicIpAddress ?? null,
      platform: i.PlatformDetails ?? i.Platform ?? null,
      architecture: i.Architecture ?? null,
      lifecycle: i.InstanceLifecycle ?? 'on-demand',
      monitoring: i.Monitoring?.State ?? null,
    },
  }
}
