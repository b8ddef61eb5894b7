/**
 * NCP VPC-platform listings: getRegionList, getServerInstanceList, getVpcList,
 * getNatGatewayInstanceList, getCloudMysqlInstanceList. Field names and codes: docs/ncp-wire.md §4.
 */
import { stateAt } from '../world/metrics'
import { NCP_REGIONS } from '../world/regions'
import type { ResourceType, SimResource } from '../world/types'
import {
  code,
  envelope,
  listParam,
  ncpDate,
  NcpServiceError,
  page,
  TERMINATED_VISIBLE_SECONDS,
  type NcpListed,
  type NcpRequest,
} from './ncp-types'

/** The region a request is about: `regionCode`, default the first of getRegionList (KR). */
export function requestRegion(q: URLSearchParams): string {
  const region = q.get('regionCode') || (NCP_REGIONS[0]?.code ?? 'KR')
  if (!NCP_REGIONS.some((r) => r.code === region))
    throw new NcpServiceError('1101', `The regionCode '${region}' is not available.`)
  return region
}

/** Resources of the caller in the region, as the list APIs see them now (terminated ones for an hour). */
function listed(req: NcpRequest, type: ResourceType, region: string): NcpListed[] {
  const now = req.sim.world.nowSeconds()
  const out: NcpListed[] = []
  for (const r of req.sim.world.resourcesOf(req.account)) {
    if (r.type !== type || r.region !== region) continue
    const state = stateAt(r, now)
    if (state === undefined) continue
    if (state === 'terminated') {
      const end = r.history[r.history.length - 1]?.t ?? 0
      if (now - end > TERMINATED_VISIBLE_SECONDS) continue
    }
    out.push({ r, state })
  }
  return out
}

const createdAt = (r: SimResource) => r.history[0]?.t ?? 0
/** When the resource last started running (uptime). */
const lastStart = (r: SimResource) =>
  [...r.history].reverse().find((h) => h.state === 'running')?.t ?? createdAt(r)
const s = (v: unknown) => (v === undefined ? '' : String(v))
const n = (v: unknown) => (typeof v === 'number' ? v : Number(v ?? 0))

export function getRegionList(): unknown {
  return envelope('getRegionList', {
    totalRows: NCP_REGIONS.length,
    regionList: NCP_REGIONS.map((r) => ({ regionCode: r.code, regionName: r.name })),
  })
}

const SERVER_STATUS: Record<
  NcpListed['state'],
  [status: [string, string], op: [string, string], name: string]
> = {
  running: [['RUN', 'Server run state'], ['NULL', 'Server NULL OP'], 'running'],
  stopped: [['NSTOP', 'Server normal stopped state'], ['NULL', 'Server NULL OP'], 'stopped'],
  pending: [['INIT', 'Server init state'], ['CREAT', 'Server CREATE OP'], 'creating'],
  terminated: [['RUN', 'Server run state'], ['TERMT', 'Server TERMINATE OP'], 'terminating'],
}

function server({ r, state }: NcpListed, region: string): Record<string, unknown> {
  const [st, op, name] = SERVER_STATUS[state]
  const a = r.attrs
  return {
    serverInstanceNo: r.id,
    serverName: r.name,
    serverDescription: s(a.description),
    cpuCount: n(a.cpuCount),
    memorySize: n(a.memorySize),
    platformType: code('LNX64', 'Linux 64 Bit'),
    loginKeyName: 'cms-key',
    publicIpInstanceNo: '',
    publicIp: s(a.publicIp),
    serverInstanceStatus: code(...st),
    serverInstanceOperation: code(...op),
    serverInstanceStatusName: name,
    createDate: ncpDate(createdAt(r)),
    uptime: ncpDate(lastStart(r)),
    serverImageProductCode: s(a.serverImageProductCode),
    serverProductCode: s(a.serverProductCode),
    isProtectServerTermination: false,
    zoneCode: r.zone ?? '',
    regionCode: region,
    vpcNo: s(a.vpcNo),
    subnetNo: s(a.subnetNo),
    networkInterfaceNoList: [s(a.networkInterfaceNo)],
    initScriptNo: '',
    serverInstanceType: code('STAND', 'Standard'),
    baseBlockStorageDiskType: code('NET', 'Network Storage'),
    baseBlockStorageDiskDetailType: code('SSD', 'SSD'),
    placementGroupNo: '',
    hypervisorType: code('KVM', 'KVM'),
    serverSpecCode: s(a.serverSpecCode),
  }
}

const SERVER_STATUS_FILTER: Record<string, NcpListed['state'] | undefined> = {
  RUN: 'running',
  NSTOP: 'stopped',
  INIT: 'pending',
  CREAT: 'pending',
}

export function getServerInstanceList(req: NcpRequest): unknown {
  const q = req.query
  const region = requestRegion(q)
  const ids = listParam(q, 'serverInstanceNoList')
  const vpcNo = q.get('vpcNo')
  const name = q.get('serverName')
  const status = q.get('serverInstanceStatusCode')
  if (status && !(status in SERVER_STATUS_FILTER))
    throw new NcpServiceError('1002', `Invalid serverInstanceStatusCode: ${status}`)
  const rows = listed(req, 'ncp.server', region).filter(
    (x) =>
      (ids.length === 0 || ids.includes(x.r.id)) &&
      (!vpcNo || x.r.attrs.vpcNo === vpcNo) &&
      (!name || x.r.name === name) &&
      // A terminating server still shows status RUN (its operation is TERMT).
      (!status || SERVER_STATUS_FILTER[status] === x.state || (status === 'RUN' && x.state === 'terminated')),
  )
  const p = page(rows, q)
  return envelope('getServerInstanceList', {
    totalRows: p.totalRows,
    serverInstanceList: p.rows.map((x) => server(x, region)),
  })
}

export function getVpcList(req: NcpRequest): unknown {
  const q = req.query
  const region = requestRegion(q)
  const ids = listParam(q, 'vpcNoList')
  const name = q.get('vpcName')
  const rows = listed(req, 'ncp.vpc', region).filter(
    (x) =>
      x.state !== 'terminated' && (ids.length === 0 || ids.includes(x.r.id)) && (!name || x.r.name === name),
  )
  const p = page(rows, q)
  return envelope('getVpcList', {
    totalRows: p.totalRows,
    vpcList: p.rows.map(({ r }) => ({
      vpcNo: r.id,
      vpcName: r.name,
      ipv4CidrBlock: s(r.attrs.ipv4CidrBlock),
      vpcStatus: code('RUN', 'run'),
      regionCode: region,
      createDate: ncpDate(createdAt(r)),
    })),
  })
}

export function getNatGatewayInstanceList(req: NcpRequest): unknown {
  const q = req.query
  const region = requestRegion(q)
  const vpcNo = q.get('vpcNo')
  const vpcs = new Map(
    req.sim.world
      .resourcesOf(req.account)
      .filter((r) => r.type === 'ncp.vpc')
      .map((r) => [r.id, r.name]),
  )
  const rows = listed(req, 'ncp.nat_gateway', region).filter((x) => !vpcNo || x.r.attrs.vpcNo === vpcNo)
  const p = page(rows, q)
  return envelope('getNatGatewayInstanceList', {
    totalRows: p.totalRows,
    natGatewayInstanceList: p.rows.map(({ r, state }) => ({
      vpcNo: s(r.attrs.vpcNo),
      vpcName: vpcs.get(s(r.attrs.vpcNo)) ?? '',
      natGatewayInstanceNo: r.id,
      natGatewayName: r.name,
      publicIp: s(r.attrs.publicIp),
      privateIp: s(r.attrs.privateIp),
      natGatewayInstanceStatus:
        state === 'terminated'
          ? code('TERMTING', 'terminating')
          : state === 'pending'
            ? code('INIT', 'init')
            : code('RUN', 'run'),
      natGatewayInstanceStatusName:
        state === 'terminated' ? 'terminating' : state === 'pending' ? 'creating' : 'running',
      natGatewayInstanceOperation: state === 'terminated' ? code('TERMT', 'terminate') : code('NULL', 'null'),
      createDate: ncpDate(createdAt(r)),
      natGatewayDescription: '',
      zoneCode: r.zone ?? '',
      regionCode: region,
      subnetNo: s(r.attrs.subnetNo),
    })),
  })
}

const MYSQL_STATUS: Record<
  NcpListed['state'],
  [status: [string, string], op: [string, string], name: string]
> = {
  running: [['CREAT', 'CLOUD DATABASE(VPC) Created'], ['NULL', 'CLOUD DATABASE(VPC) Null OP'], 'running'],
  stopped: [['CREAT', 'CLOUD DATABASE(VPC) Created'], ['NULL', 'CLOUD DATABASE(VPC) Null OP'], 'stopped'],
  pending: [['INIT', 'CLOUD DATABASE(VPC) Init'], ['CREAT', 'CLOUD DATABASE(VPC) Create OP'], 'creating'],
  terminated: [['DEL', 'CLOUD DATABASE(VPC) Deleted'], ['DEL', 'CLOUD DATABASE(VPC) Delete OP'], 'deleting'],
}

export function getCloudMysqlInstanceList(req: NcpRequest): unknown {
  const q = req.query
  const region = requestRegion(q)
  if (q.get('pageNo') && !q.get('pageSize'))
    throw new NcpServiceError('1002', 'pageSize is required when pageNo is given.')
  const ids = listParam(q, 'cloudMysqlInstanceNoList')
  const service = q.get('cloudMysqlServiceName')
  const vpcNo = q.get('vpcNo')
  const rows = listed(req, 'ncp.mysql', region).filter(
    (x) =>
      (ids.length === 0 || ids.includes(x.r.id)) &&
      (!service || x.r.name === service) &&
      (!vpcNo || x.r.attrs.vpcNo === vpcNo),
  )
  const p = page(rows, q)
  return envelope('getCloudMysqlInstanceList', {
    totalRows: p.totalRows,
    cloudMysqlInstanceList: p.rows.map(({ r, state }) => {
      const [st, op, name] = MYSQL_STATUS[state]
      const a = r.attrs
      return {
        cloudMysqlInstanceNo: r.id,
        cloudMysqlServiceName: r.name,
        cloudMysqlInstanceStatusName: name,
        cloudMysqlInstanceStatus: code(...st),
        cloudMysqlInstanceOperation: code(...op),
        cloudMysqlImageProductCode: 'SW.VMYSL.OS.LNX64.ROCKY.0810.MYSQL.B050',
        engineVersion: s(a.engineVersion),
        license: code('GPL', 'General Public License'),
        cloudMysqlPort: 3306,
        isHa: false,
        isMultiZone: false,
        isBackup: true,
        backupFileRetentionPeriod: 1,
        backupTime: '02:00',
        generationCode: 'G3',
        createDate: ncpDate(createdAt(r)),
        regionCode: region,
        accessControlGroupNoList: [],
        cloudMysqlConfigList: [],
        cloudMysqlServerInstanceList: [
          {
            cloudMysqlServerInstanceNo: s(a.cloudMysqlServerInstanceNo),
            cloudMysqlServerName: `${r.name}-001`,
            cloudMysqlServerRole: code('M', 'Master'),
            cloudMysqlServerInstanceStatusName: name,
            cloudMysqlServerInstanceStatus: code(...st),
            cloudMysqlServerInstanceOperation: code(...op),
            regionCode: region,
            zoneCode: r.zone ?? '',
            vpcNo: s(a.vpcNo),
            subnetNo: s(a.subnetNo),
            isPublicSubnet: false,
            privateDomain: `db-${r.id}.vpc-cdb.ntruss.com`,
            cloudMysqlProductCode: s(a.cloudMysqlProductCode),
            cpuCount: n(a.cpuCount),
            memorySize: n(a.memorySize),
            dataStorageSize: 10 * 1024 ** 3,
            createDate: ncpDate(createdAt(r)),
            uptime: ncpDate(lastStart(r)),
          },
        ],
      }
    }),
  })
}
