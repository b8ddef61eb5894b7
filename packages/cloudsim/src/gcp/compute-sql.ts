/** Compute Engine (aggregated instances, networks, regions) and Cloud SQL Admin (instances list). */
import { stateAt } from '../world/metrics'
import { GCP_REGIONS, gcpZone } from '../world/regions'
import type { SimResource } from '../world/types'
import { gcpPage, type GcpRequest } from './gcp-types'

const API = 'https://www.googleapis.com/compute/v1'

/** GCP prints creation timestamps in Pacific time: 2024-01-02T03:04:05.678-08:00. */
export function pacific(t: number): string {
  return `${new Date((t - 8 * 3600) * 1000).toISOString().slice(0, -1)}-08:00`
}

function live(req: GcpRequest, type: SimResource['type']): SimResource[] {
  const now = req.sim.world.nowSeconds()
  return req.sim.world
    .resourcesOf(req.project)
    .filter((r) => {
      const s = stateAt(r, now)
      return r.type === type && s !== undefined && s !== 'terminated'
    })
    .sort((a, b) => (a.id < b.id ? -1 : 1))
}

function instanceJson(req: GcpRequest, r: SimResource): unknown {
  const s = stateAt(r, req.sim.world.nowSeconds())
  const zone = r.zone ?? gcpZone(r.region, 0)
  return {
    kind: 'compute#instance',
    id: r.id,
    creationTimestamp: pacific(r.history[0]?.t ?? 0),
    name: r.name,
    machineType: `${API}/projects/${req.project}/zones/${zone}/machineTypes/${String(r.attrs.machineType)}`,
    status: s === 'running' ? 'RUNNING' : s === 'stopped' ? 'TERMINATED' : 'PROVISIONING',
    zone: `${API}/projects/${req.project}/zones/${zone}`,
    networkInterfaces: [
      {
        kind: 'compute#networkInterface',
        network: `${API}/projects/${req.project}/global/networks/${String(r.attrs.network)}`,
        networkIP: r.attrs.networkIP,
        name: 'nic0',
      },
    ],
    labels: r.tags,
    selfLink: `${API}/projects/${req.project}/zones/${zone}/instances/${r.name}`,
    cpuPlatform: 'Intel Cascade Lake',
    lastStartTimestamp: pacific(r.history[0]?.t ?? 0),
  }
}

export function aggregatedInstances(req: GcpRequest): unknown {
  req.call.api = 'gcp.compute'
  req.call.operation = 'instances.aggregatedList'
  const p = gcpPage(req, live(req, 'gcp.instance'), 'maxResults')
  const zones = GCP_REGIONS.flatMap((region) => [0, 1, 2].map((i) => gcpZone(region, i)))
  const items: Record<string, unknown> = {}
  for (const z of zones) {
    const inZone = p.items.filter((r) => r.zone === z)
    items[`zones/${z}`] = inZone.length
      ? { instances: inZone.map((r) => instanceJson(req, r)) }
      : {
          warning: {
            code: 'NO_RESULTS_ON_PAGE',
            message: "There are no results for scope 'zones/" + z + "' on this page.",
            data: [{ key: 'scope', value: `zones/${z}` }],
          },
        }
  }
  return {
    kind: 'compute#instanceAggregatedList',
    id: `projects/${req.project}/aggregated/instances`,
    items,
    selfLink: `${API}/projects/${req.project}/aggregated/instances`,
    ...(p.nextPageToken ? { nextPageToken: p.nextPageToken } : {}),
  }
}

export function networks(req: GcpRequest): unknown {
  req.call.api = 'gcp.compute'
  req.call.operation = 'networks.list'
  const p = gcpPage(req, live(req, 'gcp.network'), 'maxResults')
  return {
    kind: 'compute#networkList',
    id: `projects/${req.project}/global/networks`,
    items: p.items.map((r) => ({
      kind: 'compute#network',
      id: r.id,
      creationTimestamp: pacific(r.history[0]?.t ?? 0),
      name: r.name,
      selfLink: `${API}/projects/${req.project}/global/networks/${r.name}`,
      autoCreateSubnetworks: true,
      subnetworks: GCP_REGIONS.map(
        (g) => `${API}/projects/${req.project}/regions/${g}/subnetworks/${r.name}`,
      ),
      routingConfig: { routingMode: 'REGIONAL' },
      networkFirewallPolicyEnforcementOrder: 'AFTER_CLASSIC_FIREWALL',
    })),
    selfLink: `${API}/projects/${req.project}/global/networks`,
    ...(p.nextPageToken ? { nextPageToken: p.nextPageToken } : {}),
  }
}

export function regions(req: GcpRequest): unknown {
  req.call.api = 'gcp.compute'
  req.call.operation = 'regions.list'
  return {
    kind: 'compute#regionList',
    id: `projects/${req.project}/regions`,
    items: GCP_REGIONS.map((name, i) => ({
      kind: 'compute#region',
      id: String(1000 + i),
      name,
      status: 'UP',
      zones: [0, 1, 2].map((z) => `${API}/projects/${req.project}/zones/${gcpZone(name, z)}`),
      selfLink: `${API}/projects/${req.project}/regions/${name}`,
    })),
    selfLink: `${API}/projects/${req.project}/regions`,
  }
}

export function sqlInstances(req: GcpRequest): unknown {
  req.call.api = 'gcp.sql'
  req.call.operation = 'instances.list'
  const now = req.sim.world.nowSeconds()
  const p = gcpPage(req, live(req, 'gcp.sql_instance'), 'maxResults')
  return {
    kind: 'sql#instancesList',
    items: p.items.map((r) => {
      const s = stateAt(r, now)
      return {
        kind: 'sql#instance',
        name: r.name,
        project: req.project,
        region: r.region,
        gceZone: r.zone,
        databaseVersion: r.attrs.databaseVersion,
        state: s === 'running' ? 'RUNNABLE' : s === 'stopped' ? 'STOPPED' : 'PENDING_CREATE',
        instanceType: 'CLOUD_SQL_INSTANCE',
        backendType: 'SECOND_GEN',
        connectionName: `${req.project}:${r.region}:${r.name}`,
        createTime: new Date((r.history[0]?.t ?? 0) * 1000).toISOString(),
        settings: {
          tier: r.attrs.tier,
          activationPolicy: s === 'stopped' ? 'NEVER' : 'ALWAYS',
          userLabels: r.tags,
          dataDiskSizeGb: '10',
          availabilityType: 'ZONAL',
        },
        ipAddresses: [{ type: 'PRIVATE', ipAddress: '10.20.0.3' }],
        selfLink: `https://sqladmin.googleapis.com/v1/projects/${req.project}/instances/${r.name}`,
      }
    }),
    ...(p.nextPageToken ? { nextPageToken: p.nextPageToken } : {}),
  }
}
