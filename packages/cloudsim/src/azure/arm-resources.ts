/**
 * ARM reads: subscriptions, resource groups, virtual machines (list/listAll, statusOnly instance view),
 * SQL servers/databases, virtual networks and the generic resources list, with absolute nextLink paging.
 */
import { stateAt } from '../world/metrics'
import type { SimResource } from '../world/types'
import { ArmError, type ArmReply, type ArmRequest } from './azure-types'

/** `$top` or the configured page size; `$skiptoken` is an offset. nextLink keeps every other parameter. */
export function armPage<T>(req: ArmRequest, items: T[]): { value: T[]; nextLink?: string } {
  const top = Number(req.query.get('$top') ?? req.query.get('%24top') ?? '') || req.sim.limits.azurePageSize
  const skip = Number(req.query.get('$skiptoken') ?? '0') || 0
  const value = items.slice(skip, skip + top)
  if (skip + top >= items.length) return { value }
  const q = new URLSearchParams(req.query)
  q.set('$skiptoken', String(skip + top))
  return { value, nextLink: `${req.origin}${req.path}?${q.toString()}` }
}

function live(req: ArmRequest, sub: string, type: SimResource['type'], rg?: string): SimResource[] {
  const now = req.sim.world.nowSeconds()
  return req.sim.world
    .resourcesOf(sub)
    .filter((r) => {
      if (r.type !== type) return false
      if (rg && String(r.attrs.resourceGroup).toLowerCase() !== rg) return false
      const s = stateAt(r, now)
      return s !== undefined && s !== 'terminated'
    })
    .sort((a, b) => (a.id.toLowerCase() < b.id.toLowerCase() ? -1 : 1))
}

const iso = (t: number | undefined) => new Date((t ?? 0) * 1000).toISOString()

/** The Compute RP returns ids with the resource group upper-cased (the generic list keeps the casing). */
function computeId(r: SimResource): string {
  const rg = String(r.attrs.resourceGroup)
  return r.id.replace(`/resourceGroups/${rg}/`, `/resourceGroups/${rg.toUpperCase()}/`)
}

function vmJson(req: ArmRequest, r: SimResource, statusOnly: boolean): unknown {
  const s = stateAt(r, req.sim.world.nowSeconds())
  const power =
    s === 'running'
      ? ['PowerState/running', 'VM running']
      : s === 'stopped'
        ? ['PowerState/deallocated', 'VM deallocated']
        : ['PowerState/starting', 'VM starting']
  return {
    name: r.name,
    id: computeId(r),
    type: 'Microsoft.Compute/virtualMachines',
    location: r.region,
    tags: r.tags,
    properties: {
      vmId: r.attrs.vmId,
      hardwareProfile: { vmSize: r.attrs.vmSize },
      storageProfile: {
        osDisk: {
          osType: r.attrs.osType,
          name: `${r.name}_OsDisk_1`,
          createOption: 'FromImage',
          diskSizeGB: 30,
        },
      },
      osProfile: { computerName: r.name, adminUsername: 'azureuser' },
      networkProfile: {
        networkInterfaces: [
          {
            id: `/subscriptions/${r.account}/resourceGroups/${String(r.attrs.resourceGroup)}/providers/Microsoft.Network/networkInterfaces/${r.name}-nic`,
          },
        ],
      },
      provisioningState: 'Succeeded',
      timeCreated: iso(r.history[0]?.t),
      ...(statusOnly
        ? {
            instanceView: {
              statuses: [
                {
                  code: 'ProvisioningState/succeeded',
                  level: 'Info',
                  displayStatus: 'Provisioning succeeded',
                  time: iso(r.history[0]?.t),
                },
                { code: power[0], level: 'Info', displayStatus: power[1] },
              ],
            },
          }
        : {}),
    },
  }
}

function sqlServerJson(r: SimResource): unknown {
  return {
    id: r.id,
    name: r.name,
    type: 'Microsoft.Sql/servers',
    location: r.region,
    tags: r.tags,
    kind: 'v12.0',
    properties: {
      administratorLogin: 'sqladmin',
      version: '12.0',
      state: 'Ready',
      fullyQualifiedDomainName: r.attrs.fqdn,
      publicNetworkAccess: 'Enabled',
    },
  }
}

function sqlDbJson(req: ArmRequest, r: SimResource): unknown {
  const s = stateAt(r, req.sim.world.nowSeconds())
  const sku = String(r.attrs.sku)
  return {
    id: r.id,
    name: r.name,
    type: 'Microsoft.Sql/servers/databases',
    location: r.region,
    tags: r.tags,
    kind: 'v12.0,user',
    sku: sku.startsWith('GP_')
      ? { name: 'GP_Gen5', tier: 'GeneralPurpose', family: 'Gen5', capacity: 2 }
      : { name: 'Standard', tier: 'Standard', capacity: 20 },
    properties: {
      status: s === 'stopped' ? 'Paused' : 'Online',
      databaseId: r.attrs.databaseId,
      creationDate: iso(r.history[0]?.t),
      maxSizeBytes: r.attrs.maxSizeBytes,
      currentServiceObjectiveName: sku,
      collation: 'SQL_Latin1_General_CP1_CI_AS',
    },
  }
}

function vnetJson(r: SimResource): unknown {
  return {
    id: r.id,
    name: r.name,
    type: 'Microsoft.Network/virtualNetworks',
    location: r.region,
    tags: r.tags,
    etag: `W/"${String(r.attrs.resourceGuid)}"`,
    properties: {
      provisioningState: 'Succeeded',
      resourceGuid: r.attrs.resourceGuid,
      addressSpace: { addressPrefixes: [r.attrs.addressPrefix] },
      subnets: [
        {
          name: 'default',
          id: `${r.id}/subnets/default`,
          properties: {
            addressPrefix: String(r.attrs.addressPrefix).replace('/16', '/24'),
            provisioningState: 'Succeeded',
          },
        },
      ],
    },
  }
}

const ARM_TYPE: Partial<Record<SimResource['type'], string>> = {
  'azure.vm': 'Microsoft.Compute/virtualMachines',
  'azure.sql_server': 'Microsoft.Sql/servers',
  'azure.sql_database': 'Microsoft.Sql/servers/databases',
  'azure.vnet': 'Microsoft.Network/virtualNetworks',
}

function genericJson(r: SimResource): unknown {
  return {
    id: r.id,
    name: r.type === 'azure.sql_database' ? `${String(r.attrs.server)}/${r.name}` : r.name,
    type: ARM_TYPE[r.type],
    location: r.region,
    tags: r.tags,
    ...(r.type === 'azure.vm' ? {} : {}),
    createdTime: iso(r.history[0]?.t),
    changedTime: iso(r.history[r.history.length - 1]?.t),
  }
}

function subscriptionJson(req: ArmRequest, sub: string): unknown {
  const acct = req.sim.world.account('azure', sub)
  return {
    id: `/subscriptions/${sub}`,
    subscriptionId: sub,
    tenantId: req.principal.tenantId,
    displayName: acct?.name ?? sub,
    state: 'Enabled',
    subscriptionPolicies: {
      locationPlacementId: 'Public_2014-09-01',
      quotaId: 'PayAsYouGo_2014-09-01',
      spendingLimit: 'Off',
    },
    authorizationSource: 'RoleBased',
  }
}

/** Route an ARM read (segments are lower-cased; `sub` is already authorized). Returns undefined when no route matches. */
export function armResources(req: ArmRequest, sub: string | undefined): ArmReply | undefined {
  const s = req.segs
  if (req.method !== 'GET') return undefined
  if (s.length === 1 && s[0] === 'subscriptions') {
    req.call.api = 'arm.resources'
    req.call.operation = 'Subscriptions_List'
    return { body: { value: req.principal.subscriptionIds.map((id) => subscriptionJson(req, id)) } }
  }
  if (!sub) return undefined
  const rest = s.slice(2).join('/')
  const rgMatch = /^resourcegroups\/([^/]+)\/(.*)$/.exec(rest)
  const rg = rgMatch?.[1]
  const tail = rgMatch ? (rgMatch[2] ?? '') : rest
  const op = (api: string, operation: string) => {
    req.call.api = api
    req.call.operation = operation
  }
  if (rest === '') {
    op('arm.resources', 'Subscriptions_Get')
    return { body: subscriptionJson(req, sub) }
  }
  if (rest === 'resourcegroups') {
    op('arm.resources', 'ResourceGroups_List')
    const rgs = [
      ...new Set(req.sim.world.resourcesOf(sub).map((r) => `${String(r.attrs.resourceGroup)}|${r.region}`)),
    ]
    return {
      body: armPage(
        req,
        rgs.map((x) => {
          const [name = '', location = ''] = x.split('|')
          return {
            id: `/subscriptions/${sub}/resourceGroups/${name}`,
            name,
            type: 'Microsoft.Resources/resourceGroups',
            location,
            properties: { provisioningState: 'Succeeded' },
          }
        }),
      ),
    }
  }
  if (tail === 'providers/microsoft.compute/virtualmachines') {
    op('arm.compute', rg ? 'VirtualMachines_List' : 'VirtualMachines_ListAll')
    const statusOnly = req.query.get('statusOnly') === 'true'
    return {
      body: armPage(
        req,
        live(req, sub, 'azure.vm', rg).map((r) => vmJson(req, r, statusOnly)),
      ),
    }
  }
  const vmGet = /^providers\/microsoft\.compute\/virtualmachines\/([^/]+)(\/instanceview)?$/.exec(tail)
  if (rg && vmGet) {
    const r = live(req, sub, 'azure.vm', rg).find((x) => x.name.toLowerCase() === vmGet[1])
    op('arm.compute', vmGet[2] ? 'VirtualMachines_InstanceView' : 'VirtualMachines_Get')
    if (!r)
      throw new ArmError(
        404,
        'ResourceNotFound',
        `The Resource 'Microsoft.Compute/virtualMachines/${vmGet[1]}' under resource group '${rg}' was not found.`,
      )
    const full = vmJson(req, r, true) as { properties: { instanceView: unknown } }
    return { body: vmGet[2] ? full.properties.instanceView : full }
  }
  if (tail === 'providers/microsoft.sql/servers') {
    op('arm.sql', rg ? 'Servers_ListByResourceGroup' : 'Servers_List')
    return { body: armPage(req, live(req, sub, 'azure.sql_server', rg).map(sqlServerJson)) }
  }
  const dbs = /^providers\/microsoft\.sql\/servers\/([^/]+)\/databases$/.exec(tail)
  if (rg && dbs) {
    op('arm.sql', 'Databases_ListByServer')
    const server = dbs[1] ?? ''
    if (!live(req, sub, 'azure.sql_server', rg).some((x) => x.name.toLowerCase() === server))
      throw new ArmError(
        404,
        'ResourceNotFound',
        `The Resource 'Microsoft.Sql/servers/${server}' under resource group '${rg}' was not found.`,
      )
    return {
      body: armPage(
        req,
        live(req, sub, 'azure.sql_database', rg)
          .filter((r) => String(r.attrs.server).toLowerCase() === server)
          .map((r) => sqlDbJson(req, r)),
      ),
    }
  }
  if (tail === 'providers/microsoft.network/virtualnetworks') {
    op('arm.network', rg ? 'VirtualNetworks_List' : 'VirtualNetworks_ListAll')
    return { body: armPage(req, live(req, sub, 'azure.vnet', rg).map(vnetJson)) }
  }
  if (tail === 'resources') {
    op('arm.resources', rg ? 'Resources_ListByResourceGroup' : 'Resources_List')
    const filter = req.query.get('$filter') ?? ''
    const typeEq = /resourceType\s+eq\s+'([^']+)'/i.exec(filter)?.[1]?.toLowerCase()
    const all = (['azure.vm', 'azure.sql_server', 'azure.sql_database', 'azure.vnet'] as const).flatMap((t) =>
      live(req, sub, t, rg),
    )
    const rows = all
      .filter((r) => !typeEq || ARM_TYPE[r.type]?.toLowerCase() === typeEq)
      .sort((a, b) => (a.id.toLowerCase() < b.id.toLowerCase() ? -1 : 1))
    return { body: armPage(req, rows.map(genericJson)) }
  }
  return undefined
}
