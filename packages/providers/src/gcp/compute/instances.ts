import type { InstancesClient, protos } from '@google-cloud/compute'
import type { ResourceState } from '@cms/core'
import type { NormalizedResource } from '../../contract'
import { badResponse } from '../../shared/call'
import { mapState, tagsFromRecord, toDate } from '../../shared/normalize'
import { countRequests, withDeadline } from '../clients'
import { lastSegment, regionOfZone, type GcpProjectScope } from '../scope'

/** The client must be built with a CountingAuth (GcpClients.instances) for pages to be counted. */
export type InstancesApi = Pick<InstancesClient, 'aggregatedListAsync'>

// GCE "TERMINATED" means stopped (the disk and the instance remain), not deleted.
const STATES: Record<string, ResourceState> = {
  provisioning: 'pending',
  staging: 'pending',
  running: 'running',
  stopping: 'stopped',
  stopped: 'stopped',
  suspending: 'stopped',
  suspended: 'stopped',
  terminated: 'stopped',
  repairing: 'unknown',
}

/**
 * instances.aggregatedList: every zone of the project in one paged listing (500 per page). The SDK only
 * offers it as an auto-paging iterator, so pages are counted from the HTTP requests the client made.
 */
export async function listGcpInstances(
  api: InstancesApi,
  s: GcpProjectScope,
  countExtraPages: (n: number) => void,
): Promise<NormalizedResource[]> {
  return s.run({ api: 'gcp.compute', operation: 'instances.aggregatedList' }, async () => {
    const out: NormalizedResource[] = []
    const requests = { n: 0 }
    try {
      await countRequests(requests, () =>
        withDeadline(async (o, stillAlive) => {
          for await (const [, scoped] of api.aggregatedListAsync(
            { project: s.projectId, maxResults: 500 },
            o,
          )) {
            stillAlive()
            for (const i of scoped.instances ?? []) out.push(normalizeInstance(i, s.projectId))
          }
        }, s.signal),
      )
    } finally {
      // The runner counts one call per attempt; the iterator may have fetched several pages.
      countExtraPages(Math.max(0, requests.n - 1))
    }
    return out
  })
}

export function normalizeInstance(
  i: protos.google.cloud.compute.v1.IInstance,
  projectId: string,
): NormalizedResource {
  if (i.id === null || i.id === undefined || !i.name) throw badResponse('a GCE instance has no id')
  const zone = lastSegment(i.zone)
  return {
    cloud: 'gcp',
    accountNativeId: projectId,
    region: regionOfZone(zone),
    type: 'gcp.instance',
    nativeId: String(i.id),
    name: i.name,
    state: mapState(i.status, STATES),
    nativeState: i.status ?? null,
    tags: tagsFromRecord(i.labels),
    createdAt: toDate(i.creationTimestamp),
    attributes: {
      zone,
      machineType: lastSegment(i.machineType),
      network: lastSegment(i.networkInterfaces?.[0]?.network),
      privateIp: i.networkInterfaces?.[0]?.networkIP ?? null,
      preemptible: i.scheduling?.preemptible ?? false,
      cpuPlatform: i.cpuPlatform ?? null,
    },
  }
}
