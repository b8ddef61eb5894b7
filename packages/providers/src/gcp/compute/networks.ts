import type { NetworksClient, protos } from '@google-cloud/compute'
import type { NormalizedResource } from '../../contract'
import { badResponse } from '../../shared/call'
import { toDate } from '../../shared/normalize'
import { collectPages } from '../../shared/paging'
import { withDeadline } from '../clients'
import { lastSegment, type GcpProjectScope } from '../scope'

export type NetworksApi = Pick<NetworksClient, 'list'>

/** VPC networks are global; 500 per page. */
export async function listGcpNetworks(api: NetworksApi, s: GcpProjectScope): Promise<NormalizedResource[]> {
  return collectPages(s.run, { api: 'gcp.compute', operation: 'networks.list' }, async (token) => {
    const [items, next] = await withDeadline(
      (o) => api.list({ project: s.projectId, maxResults: 500, ...(token ? { pageToken: token } : {}) }, o),
      s.signal,
    )
    if (!Array.isArray(items)) throw badResponse('networks.list returned no items')
    return { items: items.map((n) => normalizeNetwork(n, s.projectId)), next: next?.pageToken ?? undefined }
  })
}

function normalizeNetwork(n: protos.google.cloud.compute.v1.INetwork, projectId: string): NormalizedResource {
  if (n.id === null || n.id === undefined || !n.name) throw badResponse('a VPC network has no id')
  return {
    cloud: 'gcp',
    accountNativeId: projectId,
    region: 'global',
    type: 'gcp.network',
    nativeId: String(n.id),
    name: n.name,
    state: 'available',
    nativeState: null,
    // Networks carry no labels in the Compute API.
    tags: {},
    createdAt: toDate(n.creationTimestamp),
    attributes: {
      cidr: n.IPv4Range ?? null,
      autoCreateSubnetworks: n.autoCreateSubnetworks ?? null,
      routingMode: n.routingConfig?.routingMode ?? null,
      mtu: n.mtu ?? null,
      subnetworks: (n.subnetworks ?? []).map((u) => lastSegment(u)),
    },
  }
}
