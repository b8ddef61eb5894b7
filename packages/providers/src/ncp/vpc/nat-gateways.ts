/** `GET /vpc/v2/getNatGatewayInstanceList`: the NAT gateways of one region, paged. */
import type { ResourceState } from '@cms/core'
import type { NormalizedResource } from '../../contract'
import { badResponse } from '../../shared/call'
import { mapState, toDate } from '../../shared/normalize'
import { codeOf, envelope, ncpPages, totalRowsOf, type NcpScope } from '../scope'
import { str } from '../wire'

export const NAT_PAGE_SIZE = 100

// natGatewayInstanceStatus: INIT | CREATING | RUN | TERMTING.
const STATES: Record<string, ResourceState> = {
  init: 'pending',
  creating: 'pending',
  run: 'available',
  termting: 'terminated',
}

export function listNcpNatGateways(s: NcpScope): Promise<NormalizedResource[]> {
  const op = 'getNatGatewayInstanceList'
  return ncpPages(s.run, { api: 'ncp.vpc', operation: op }, NAT_PAGE_SIZE, async (pageNo, pageSize) => {
    const r = envelope(
      await s.client.get('ncloud', `/vpc/v2/${op}`, { regionCode: s.region, pageNo, pageSize }),
      op,
    )
    const list = r.natGatewayInstanceList ?? []
    if (!Array.isArray(list)) throw badResponse(`${op} returned no natGatewayInstanceList`)
    return { items: list.map((x: unknown) => normalizeNatGateway(x, s)), totalRows: totalRowsOf(r, op) }
  })
}

export function normalizeNatGateway(x: unknown, s: NcpScope): NormalizedResource {
  const v = (x ?? {}) as Record<string, unknown>
  const id = str(v.natGatewayInstanceNo)
  if (!id) throw badResponse('getNatGatewayInstanceList returned a NAT gateway without natGatewayInstanceNo')
  const status = codeOf(v.natGatewayInstanceStatus)
  return {
    cloud: 'ncp',
    accountNativeId: s.accountNativeId,
    region: str(v.regionCode) ?? s.region,
    type: 'ncp.nat_gateway',
    nativeId: id,
    name: str(v.natGatewayName),
    state: mapState(status, STATES),
    nativeState: str(v.natGatewayInstanceStatusName) ?? status,
    tags: {},
    createdAt: toDate(str(v.createDate)),
    attributes: {
      vpcNo: str(v.vpcNo),
      vpcName: str(v.vpcName),
      subnetNo: str(v.subnetNo),
      zone: str(v.zoneCode),
      publicIp: str(v.publicIp),
      privateIp: str(v.privateIp),
      natGatewayType: codeOf(v.natGatewayType),
    },
  }
}
