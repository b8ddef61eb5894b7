import type { RDS } from '@aws-sdk/client-rds'
import type { NormalizedResource } from '../../contract'
import { badResponse } from '../../shared/call'
import { mapState, tagsFromKeyValues, toDate } from '../../shared/normalize'
import { collectPages } from '../../shared/paging'
import type { AwsRegionScope } from '../scope'
import { RDS_STATES } from './instances'

export type RdsClustersApi = Pick<RDS, 'describeDBClusters'>

/** Aurora (and Multi-AZ DB) clusters; 100 per page. */
export async function listRdsClusters(api: RdsClustersApi, s: AwsRegionScope): Promise<NormalizedResource[]> {
  return collectPages(s.run, { api: 'rds', operation: 'DescribeDBClusters' }, async (token) => {
    const out = await api.describeDBClusters({ MaxRecords: 100, ...(token ? { Marker: token } : {}) })
    if (!out.DBClusters) throw badResponse('DescribeDBClusters returned no cluster list')
    const items = out.DBClusters.map((c): NormalizedResource => {
      if (!c.DBClusterIdentifier) throw badResponse('a DB cluster has no identifier')
      return {
        cloud: 'aws',
        accountNativeId: s.accountId,
        region: s.region,
        type: 'rds.cluster',
        nativeId: c.DBClusterIdentifier,
        name: c.DBClusterIdentifier,
        state: mapState(c.Status, RDS_STATES),
        nativeState: c.Status ?? null,
        tags: tagsFromKeyValues(c.TagList),
        createdAt: toDate(c.ClusterCreateTime),
        attributes: {
          arn: c.DBClusterArn ?? null,
          engine: c.Engine ?? null,
          engineVersion: c.EngineVersion ?? null,
          engineMode: c.EngineMode ?? null,
          members: (c.DBClusterMembers ?? []).map((m) => m.DBInstanceIdentifier).filter(Boolean),
          endpoint: c.Endpoint ?? null,
          readerEndpoint: c.ReaderEndpoint ?? null,
          port: c.Port ?? null,
          multiAz: c.MultiAZ ?? false,
          storageEncrypted: c.StorageEncrypted ?? false,
        },
      }
    })
    return { items, next: out.Marker }
  })
}
