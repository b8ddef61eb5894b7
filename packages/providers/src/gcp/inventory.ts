/** The GCP inventory registry: per project, every region at once (aggregated / global lists). */
import type { NormalizedResource } from '../contract'
import type { GcpClients } from './clients'
import { listGcpInstances } from './compute/instances'
import { listGcpNetworks } from './compute/networks'
import type { GcpResourceType } from './monitoring/catalog'
import type { GcpProjectScope } from './scope'
import { listGcpSqlInstances } from './sql/instances'
import { withDeadline } from './clients'

export interface GcpLister {
  /** The IAM permission the lister needs (roles/compute.viewer, roles/cloudsql.viewer). */
  permission: string
  list(c: GcpClients, s: GcpProjectScope, countExtraPages: (n: number) => void): Promise<NormalizedResource[]>
  probe(c: GcpClients, s: GcpProjectScope): Promise<unknown>
}

export const GCP_INVENTORY: Record<GcpResourceType, GcpLister> = {
  'gcp.instance': {
    permission: 'compute.instances.list',
    list: (c, s, extra) => listGcpInstances(c.instances(), s, extra),
    probe: (c, s) =>
      s.run({ api: 'gcp.compute', operation: 'instances.aggregatedList' }, async () => {
        // One page is enough to prove the permission.
        await withDeadline(async (o) => {
          for await (const _ of c.instances().aggregatedListAsync({ project: s.projectId, maxResults: 1 }, o))
            break
        }, s.signal)
      }),
  },
  'gcp.sql_instance': {
    permission: 'cloudsql.instances.list',
    list: (c, s) => listGcpSqlInstances(c.sql(), s),
    probe: (c, s) =>
      s.run({ api: 'gcp.sql', operation: 'instances.list' }, () =>
        withDeadline((o) => c.sql().list({ project: s.projectId, maxResults: 1 }, o), s.signal),
      ),
  },
  'gcp.network': {
    permission: 'compute.networks.list',
    list: (c, s) => listGcpNetworks(c.networks(), s),
    probe: (c, s) =>
      s.run({ api: 'gcp.compute', operation: 'networks.list' }, () =>
        withDeadline((o) => c.networks().list({ project: s.projectId, maxResults: 1 }, o), s.signal),
      ),
  },
}
