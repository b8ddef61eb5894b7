import type { RDS } from '@aws-sdk/client-rds'
import type { ResourceState } from '@cms/core'
import type { NormalizedResource } from '../../contract'
import { badResponse } from '../../shared/call'
import { mapState, tagsFromKeyValues, toDate } from '../../shared/normalize'
import { collectPages } from '../../shared/paging'
import type { AwsRegionScope } from '../scope'

export type RdsInstancesApi = Pick<RDS, 'describeDBInstances'>

/** RDS has many transitional states; everything that still serves is "available". */
export const RDS_STATES: Record<string, ResourceState> = {
  available: 'available',
  'backing-up': 'available',
  modifying: 'available',
  'configuring-enhanced-monitoring': 'available',
  'storage-optimization': 'available',
  maintenance: 'available',
  upgrading: 'available',
  rebooting: 'pending',
  creating: 'pending',
  starting: 'pending',
  renaming: 'pending',
  stopping: 'stopped',
  stopped: 'stopped',
  'inaccessible-encryption-credentials': 'stopped',
  'storage-full': 'stopped',
  failed: 'stopped',
  deleting: 'terminated',
  deleted: 'terminated',
}

/** DB instances, Aurora cluster members included (attribute clusterId); 100 per page (the maximum). */
export async function listRdsInstances(
  api: RdsInstancesApi,
  s: AwsRegionScope,
): Promise<NormalizedResource[]> {
  return collectPages(s.run, { api: 'rds', operation: 'DescribeDBInstances' }, async (token) => {
    const out = await api.describeDBInstances({ MaxRecords: 100, ...(token ? { Marker: token } : {}) })
    if (!out.DBInstances) throw badResponse('DescribeDBInstances returned no instance list')
    const items = out.DBInstances.map((d): NormalizedResource => {
      if (!d.DBInstanceIdentifier) throw badResponse('a DB instance has no identifier')
      return {
        cloud: 'aws',
        accountNativeId: s.accountId,
        region: s.region,
        type: 'rds.instance',
        nativeId: d.DBInstanceIdentifier,
        name: d.DBInstanceIdentifier,
        state: mapState(d.DBInstanceStatus, RDS_STATES),
        nativeState: d.DBInstanceStatus ?? null,
        tags: tagsFromKeyValues(d.TagList),
        createdAt: toDate(d.InstanceCreateTime),
        attributes: {
          arn: d.DBInstanceArn ?? null,
          instanceClass: d.DBInstanceClass ?? null,
          engine: d.Engine ?? null,
          engineVersion: d.EngineVersion ?? null,
          allocatedStorageGb: d.AllocatedStorage ?? null,
          storageType: d.StorageType ?? null,
          multiAz: d.MultiAZ ?? false,
          clusterId: d.DBClusterIdentifier ?? null,
          availabilityZone: d.AvailabilityZone ?? null,
          endpoint: d.Endpoint?.Address ?? null,
          port: d.Endpoint?.Port ?? null,
          vpcId: d.DBSubnetGroup?.VpcId ?? null,
        },
      }
    })
    return { items, next: out.Marker }
  })
}
