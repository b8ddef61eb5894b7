import type { NetworkManagementClient, VirtualNetwork } from '@azure/arm-network'
import type { ResourceState } from '@cms/core'
import type { NormalizedResource } from '../../contract'
import { badResponse } from '../../shared/call'
import { mapState, tagsFromRecord } from '../../shared/normalize'
import { azurePages, normalizeLocation, parseArmId } from '../paging'
import type { AzureSubscriptionScope } from '../scope'

export type VirtualNetworksApi = {
  virtualNetworks: Pick<NetworkManagementClient['virtualNetworks'], 'listAll'>
}
const STATES: Record<string, ResourceState> = {
  succeeded: 'available',
  updating: 'pending',
  deleting: 'terminated',
  failed: 'stopped',
}

export async function listVirtualNetworks(
  api: VirtualNetworksApi,
  s: AzureSubscriptionScope,
): Promise<NormalizedResource[]> {
  return azurePages(
    s.run,
    { api: 'azure.arm', operation: 'virtualNetworks.listAll' },
    () => api.virtualNetworks.listAll(),
    (v) => normalizeVnet(v, s.subscriptionId),
  )
}

function normalizeVnet(v: VirtualNetwork, subscriptionId: string): NormalizedResource {
  if (!v.id || !v.name) throw badResponse('a virtual network has no id')
  const prefixes = v.addressSpace?.addressPrefixes ?? []
  return {
    cloud: 'azure',
    accountNativeId: subscriptionId,
    region: normalizeLocation(v.location),
    type: 'azure.vnet',
    nativeId: v.id,
    name: v.name,
    state: mapState(v.provisioningState, STATES),
    nativeState: v.provisioningState ?? null,
    tags: tagsFromRecord(v.tags),
    createdAt: null,
    attributes: {
      resourceGroup: parseArmId(v.id)?.resourceGroup ?? null,
      cidr: prefixes[0] ?? null,
      cidrs: prefixes,
      subnets: (v.subnets ?? []).map((sn) => ({ name: sn.name ?? null, cidr: sn.addressPrefix ?? null })),
    },
  }
}
