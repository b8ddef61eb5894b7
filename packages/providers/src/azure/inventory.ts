/** The Azure inventory registry. ARM lists are per subscription (all regions in one paged call). */
import type { NormalizedResource } from '../contract'
import type { AzureClients } from './clients'
import { listVirtualMachines } from './compute/virtual-machines'
import { listVirtualNetworks } from './network/virtual-networks'
import type { AzureSubscriptionScope } from './scope'
import { listSqlDatabases } from './sql/databases'

export const AZURE_RESOURCE_TYPES = ['azure.vm', 'azure.sql_database', 'azure.vnet'] as const
export type AzureResourceType = (typeof AZURE_RESOURCE_TYPES)[number]

export interface AzureLister {
  /** The RBAC action the lister needs (all included in the built-in Reader role). */
  permission: string
  list(c: AzureClients, s: AzureSubscriptionScope): Promise<NormalizedResource[]>
  probe(c: AzureClients, s: AzureSubscriptionScope): Promise<unknown>
}

const firstPage = async <T>(it: { byPage(): AsyncIterableIterator<T[]> }) =>
  (await it.byPage().next()).value ?? []

export const AZURE_INVENTORY: Record<AzureResourceType, AzureLister> = {
  'azure.vm': {
    permission: 'Microsoft.Compute/virtualMachines/read',
    list: (c, s) => listVirtualMachines(c.compute(s.subscriptionId), s),
    probe: (c, s) =>
      s.run({ api: 'azure.arm', operation: 'virtualMachines.listAll' }, () =>
        firstPage(c.compute(s.subscriptionId).virtualMachines.listAll()),
      ),
  },
  'azure.sql_database': {
    permission: 'Microsoft.Sql/servers/databases/read',
    list: (c, s) => listSqlDatabases(c.sql(s.subscriptionId), s),
    probe: (c, s) =>
      s.run({ api: 'azure.arm', operation: 'sql.servers.list' }, () =>
        firstPage(c.sql(s.subscriptionId).servers.list()),
      ),
  },
  'azure.vnet': {
    permission: 'Microsoft.Network/virtualNetworks/read',
    list: (c, s) => listVirtualNetworks(c.network(s.subscriptionId), s),
    probe: (c, s) =>
      s.run({ api: 'azure.arm', operation: 'virtualNetworks.listAll' }, () =>
        firstPage(c.network(s.subscriptionId).virtualNetworks.listAll()),
      ),
  },
}
