import type { Database, Server, SqlManagementClient } from '@azure/arm-sql'
import type { ResourceState } from '@cms/core'
import type { NormalizedResource } from '../../contract'
import { badResponse } from '../../shared/call'
import { mapState, tagsFromRecord, toDate } from '../../shared/normalize'
import { mapLimit } from '../../shared/windows'
import { azurePages, normalizeLocation, parseArmId } from '../paging'
import type { AzureSubscriptionScope } from '../scope'

export type SqlApi = {
  servers: Pick<SqlManagementClient['servers'], 'list'>
  databases: Pick<SqlManagementClient['databases'], 'listByServer'>
}

const STATES: Record<string, ResourceState> = {
  online: 'available',
  creating: 'pending',
  copying: 'pending',
  restoring: 'pending',
  resuming: 'pending',
  scaling: 'available',
  paused: 'stopped',
  pausing: 'stopped',
  autoclosed: 'stopped',
  offline: 'stopped',
  disabled: 'stopped',
  inaccessible: 'stopped',
  dropped: 'terminated',
}

/**
 * SQL databases: servers of the subscription (one paged call), then each server's databases. ARM has
 * no subscription-wide database list with status, so this is 1 + servers calls (the system `master`
 * database is skipped: it is not billed and has no user metrics).
 */
export async function listSqlDatabases(
  api: SqlApi,
  s: AzureSubscriptionScope,
): Promise<NormalizedResource[]> {
  const servers = await azurePages(
    s.run,
    { api: 'azure.arm', operation: 'sql.servers.list' },
    () => api.servers.list(),
    (x: Server) => x,
  )
  const perServer = await mapLimit(servers, 8, async (srv) => {
    const id = srv.id ? parseArmId(srv.id) : null
    if (!id || !srv.name) throw badResponse('a SQL server has no id')
    return azurePages(
      s.run,
      { api: 'azure.arm', operation: 'sql.databases.listByServer' },
      () => api.databases.listByServer(id.resourceGroup, srv.name as string),
      (d: Database) =>
        d.name === 'master' ? null : normalizeDatabase(d, srv, s.subscriptionId, id.resourceGroup),
    )
  })
  return perServer.flat()
}

function normalizeDatabase(
  d: Database,
  srv: Server,
  subscriptionId: string,
  resourceGroup: string,
): NormalizedResource {
  if (!d.id || !d.name) throw badResponse('a SQL database has no id')
  return {
    cloud: 'azure',
    accountNativeId: subscriptionId,
    region: normalizeLocation(d.location ?? srv.location),
    type: 'azure.sql_database',
    nativeId: d.id,
    name: d.name,
    state: mapState(d.status, STATES),
    nativeState: d.status ?? null,
    tags: tagsFromRecord(d.tags),
    createdAt: toDate(d.creationDate),
    attributes: {
      resourceGroup,
      server: srv.name ?? null,
      engine: 'sqlserver',
      sku: d.sku?.name ?? null,
      tier: d.sku?.tier ?? d.currentServiceObjectiveName ?? null,
      maxSizeBytes: d.maxSizeBytes ?? null,
      zoneRedundant: d.zoneRedundant ?? false,
    },
  }
}
