import type { SqlInstancesServiceClient, protos } from '@google-cloud/sql'
import type { ResourceState } from '@cms/core'
import type { NormalizedResource } from '../../contract'
import { badResponse } from '../../shared/call'
import { mapState, tagsFromRecord, toDate } from '../../shared/normalize'
import { collectPages } from '../../shared/paging'
import { withDeadline } from '../clients'
import type { GcpProjectScope } from '../scope'

export type SqlInstancesApi = Pick<SqlInstancesServiceClient, 'list'>

const STATES: Record<string, ResourceState> = {
  runnable: 'available',
  maintenance: 'available',
  pending_create: 'pending',
  suspended: 'stopped',
  stopped: 'stopped',
  failed: 'stopped',
  pending_delete: 'terminated',
}

/**
 * Cloud SQL instances. Their native id is `project:instance`, the `database_id` label of the
 * cloudsql_database monitored resource, so metrics join without a lookup.
 */
export async function listGcpSqlInstances(
  api: SqlInstancesApi,
  s: GcpProjectScope,
): Promise<NormalizedResource[]> {
  return collectPages(s.run, { api: 'gcp.sql', operation: 'instances.list' }, async (token) => {
    const [res] = await withDeadline(
      (o) => api.list({ project: s.projectId, maxResults: 500, ...(token ? { pageToken: token } : {}) }, o),
      s.signal,
    )
    if (!res || typeof res !== 'object') throw badResponse('sql instances.list returned nothing')
    return {
      items: (res.items ?? []).map((i) => normalizeSql(i, s.projectId)),
      next: res.nextPageToken || undefined,
    }
  })
}

function normalizeSql(
  i: protos.google.cloud.sql.v1.IDatabaseInstance,
  projectId: string,
): NormalizedResource {
  if (!i.name) throw badResponse('a Cloud SQL instance has no name')
  const state = typeof i.state === 'string' ? i.state : null
  // A stopped instance is RUNNABLE with activation policy NEVER.
  const stopped = i.settings?.activationPolicy === 'NEVER'
  return {
    cloud: 'gcp',
    accountNativeId: projectId,
    region: i.region ?? 'global',
    type: 'gcp.sql_instance',
    nativeId: `${i.project ?? projectId}:${i.name}`,
    name: i.name,
    state: stopped ? 'stopped' : mapState(state, STATES),
    nativeState: state,
    tags: tagsFromRecord(i.settings?.userLabels),
    createdAt: toDate(
      typeof i.createTime === 'string'
        ? i.createTime
        : i.createTime?.seconds
          ? Number(i.createTime.seconds) * 1000
          : null,
    ),
    attributes: {
      engine: i.databaseVersion ?? null,
      tier: i.settings?.tier ?? null,
      availabilityType: i.settings?.availabilityType ?? null,
      diskSizeGb: i.settings?.dataDiskSizeGb ?? null,
      zone: i.gceZone ?? null,
      connectionName: i.connectionName ?? null,
    },
  }
}
