/** `GET /vserver/v2/getServerInstanceList` (VPC platform): every server of one region, paged. */
import type { ResourceState } from '@cms/core'
import type { NormalizedResource } from '../../contract'
import { badResponse } from '../../shared/call'
import { mapState, toDate } from '../../shared/normalize'
import { codeOf, envelope, ncpPages, totalRowsOf, type NcpScope } from '../scope'
import { num, str } from '../wire'

export const SERVER_PAGE_SIZE = 100

/**
 * serverInstanceStatus (INIT | CREAT | RUN | NSTOP | TERMT | FSTOP | SD_FL | RS_FL | ST_FL) →
 * ours. FSTOP (failure stopped) and the *_FL start/restart failures leave a stopped VM; TERMT is a
 * server being returned (it disappears from the list once gone).
 */
const STATES: Record<string, ResourceState> = {
  init: 'pending',
  creat: 'pending',
  run: 'running',
  nstop: 'stopped',
  fstop: 'stopped',
  sd_fl: 'stopped',
  rs_fl: 'stopped',
  st_fl: 'stopped',
  termt: 'terminated',
}

export async function listNcpServers(s: NcpScope): Promise<NormalizedResource[]> {
  const op = 'getServerInstanceList'
  const items = await ncpPages(
    s.run,
    { api: 'ncp.vserver', operation: op },
    SERVER_PAGE_SIZE,
    async (pageNo, pageSize) => {
      const r = envelope(
        await s.client.get('ncloud', `/vserver/v2/${op}`, { regionCode: s.region, pageNo, pageSize }),
        op,
      )
      const list = r.serverInstanceList ?? []
      if (!Array.isArray(list)) throw badResponse(`${op} returned no serverInstanceList`)
      return { items: list.map((x: unknown) => normalizeServer(x, s)), totalRows: totalRowsOf(r, op) }
    },
  )
  return items
}

interface WireServer {
  serverInstanceNo?: unknown
  serverName?: unknown
  serverDescription?: unknown
  cpuCount?: unknown
  memorySize?: unknown
  platformType?: unknown
  publicIp?: unknown
  serverInstanceStatus?: unknown
  serverInstanceOperation?: unknown
  serverInstanceStatusName?: unknown
  createDate?: unknown
  serverImageProductCode?: unknown
  serverProductCode?: unknown
  serverSpecCode?: unknown
  zoneCode?: unknown
  regionCode?: unknown
  vpcNo?: unknown
  subnetNo?: unknown
  serverInstanceType?: unknown
}

export function normalizeServer(x: unknown, s: NcpScope): NormalizedResource {
  const v = (x ?? {}) as WireServer
  const id = str(v.serverInstanceNo)
  if (!id) throw badResponse('getServerInstanceList returned a server without serverInstanceNo')
  const status = codeOf(v.serverInstanceStatus)
  const operation = codeOf(v.serverInstanceOperation)
  // A running server being shut down or returned is reported by its operation, not its status.
  const state: ResourceState =
    status === 'RUN' && operation === 'TERMT' ? 'terminated' : mapState(status, STATES)
  return {
    cloud: 'ncp',
    accountNativeId: s.accountNativeId,
    region: str(v.regionCode) ?? s.region,
    type: 'ncp.server',
    nativeId: id,
    name: str(v.serverName),
    state,
    nativeState: str(v.serverInstanceStatusName) ?? status,
    tags: {},
    createdAt: toDate(str(v.createDate)),
    attributes: {
      zone: str(v.zoneCode),
      vpcNo: str(v.vpcNo),
      subnetNo: str(v.subnetNo),
      serverSpecCode: str(v.serverSpecCode),
      serverProductCode: str(v.serverProductCode),
      serverImageProductCode: str(v.serverImageProductCode),
      cpuCount: num(v.cpuCount),
      memorySize: num(v.memorySize),
      platformType: codeOf(v.platformType),
      serverInstanceType: codeOf(v.serverInstanceType),
      publicIp: str(v.publicIp),
      operation,
      description: str(v.serverDescription),
    },
  }
}
