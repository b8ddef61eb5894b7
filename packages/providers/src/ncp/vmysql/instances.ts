/**
 * `GET /vmysql/v2/getCloudMysqlInstanceList`: Cloud DB for MySQL of one region, paged. One resource
 * per cloudMysqlInstanceNo (a service: its master, standby and slave servers are attributes).
 */
import type { ResourceState } from '@cms/core'
import type { NormalizedResource } from '../../contract'
import { badResponse } from '../../shared/call'
import { mapState, toDate } from '../../shared/normalize'
import { codeOf, envelope, ncpPagesFromZero, totalRowsOf, type NcpScope } from '../scope'
import { bool, num, str } from '../wire'

export const MYSQL_PAGE_SIZE = 100

// cloudMysqlInstanceStatusName is the finer state (creating | deleted | deleting | pending | … | running |
// … | stopped); cloudMysqlInstanceStatus (INIT | CREAT | DEL) is the fallback.
const STATES: Record<string, ResourceState> = {
  running: 'running',
  stopped: 'stopped',
  creating: 'pending',
  pending: 'pending',
  deleting: 'terminated',
  deleted: 'terminated',
  init: 'pending',
  creat: 'running',
  del: 'terminated',
}

export function listNcpMysqlInstances(s: NcpScope): Promise<NormalizedResource[]> {
  const op = 'getCloudMysqlInstanceList'
  return ncpPagesFromZero(
    s.run,
    { api: 'ncp.vmysql', operation: op },
    MYSQL_PAGE_SIZE,
    (r) => r.nativeId,
    async (pageNo, pageSize) => {
      const r = envelope(
        await s.client.get('ncloud', `/vmysql/v2/${op}`, { regionCode: s.region, pageNo, pageSize }),
        op,
      )
      const list = r.cloudMysqlInstanceList ?? []
      if (!Array.isArray(list)) throw badResponse(`${op} returned no cloudMysqlInstanceList`)
      return { items: list.map((x: unknown) => normalizeMysql(x, s)), totalRows: totalRowsOf(r, op) }
    },
  )
}

export function normalizeMysql(x: unknown, s: NcpScope): NormalizedResource {
  const v = (x ?? {}) as Record<string, unknown>
  const id = str(v.cloudMysqlInstanceNo)
  if (!id) throw badResponse('getCloudMysqlInstanceList returned an instance without cloudMysqlInstanceNo')
  const status = codeOf(v.cloudMysqlInstanceStatus)
  const statusName = str(v.cloudMysqlInstanceStatusName)
  const servers = Array.isArray(v.cloudMysqlServerInstanceList)
    ? (v.cloudMysqlServerInstanceList as Array<Record<string, unknown>>)
    : []
  const first = servers[0] ?? {}
  return {
    cloud: 'ncp',
    accountNativeId: s.accountNativeId,
    region: str(v.regionCode) ?? s.region,
    type: 'ncp.mysql',
    nativeId: id,
    name: str(v.cloudMysqlServiceName),
    state: mapState(statusName && STATES[statusName.toLowerCase()] ? statusName : status, STATES),
    nativeState: statusName ?? status,
    tags: {},
    createdAt: toDate(str(v.createDate)),
    attributes: {
      engineVersion: str(v.engineVersion) ?? str(v.cloudMysqlImageProductCode),
      imageProductCode: str(v.cloudMysqlImageProductCode),
      port: num(v.cloudMysqlPort),
      ha: bool(v.isHa),
      zone: str(first.zoneCode),
      vpcNo: str(first.vpcNo),
      subnetNo: str(first.subnetNo),
      productCode: str(first.cloudMysqlProductCode),
      servers: servers.map((sv) => ({
        no: str(sv.cloudMysqlServerInstanceNo),
        name: str(sv.cloudMysqlServerName),
        role: codeOf(sv.cloudMysqlServerRole),
        status: str(sv.cloudMysqlServerInstanceStatusName),
      })),
    },
  }
}
