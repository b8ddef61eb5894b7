/** `GET /vpc/v2/getVpcList`: the VPCs of one region, paged. */
import type { ResourceState } from '@cms/core'
import type { NormalizedResource } from '../../contract'
import { badResponse } from '../../shared/call'
import { mapState, toDate } from '../../shared/normalize'
import { codeOf, envelope, ncpPages, totalRowsOf, type NcpScope } from '../scope'
import { str } from '../wire'

export const VPC_PAGE_SIZE = 100

// vpcStatus: INIT | CREATING | RUN | TERMTING.
const STATES: Record<string, ResourceState> = {
  init: 'pending',
  creating: 'pending',
  run: 'available',
  termting: 'terminated',
}

export function listNcpVpcs(s: NcpScope): Promise<NormalizedResource[]> {
  const op = 'getVpcList'
  return ncpPages(s.run, { api: 'ncp.vpc', operation: op }, VPC_PAGE_SIZE, async (pageNo, pageSize) => {
    const r = envelope(
      await s.client.get('ncloud', `/vpc/v2/${op}`, { regionCode: s.region, pageNo, pageSize }),
      op,
    )
    const list = r.vpcList ?? []
    if (!Array.isArray(list)) throw badResponse(`${op} returned no vpcList`)
    return { items: list.map((x: unknown) => normalizeVpc(x, s)), totalRows: totalRowsOf(r, op) }
  })
}

export function normalizeVpc(x: unknown, s: NcpScope): NormalizedResource {
  const v = (x ?? {}) as Record<string, unknown>
  const id = str(v.vpcNo)
  if (!id) throw badResponse('getVpcList returned a VPC without vpcNo')
  const status = codeOf(v.vpcStatus)
  return {
    cloud: 'ncp',
    accountNativeId: s.accountNativeId,
    region: str(v.regionCode) ?? s.region,
    type: 'ncp.vpc',
    nativeId: id,
    name: str(v.vpcName),
    state: mapState(status, STATES),
    nativeState: status,
    tags: {},
    createdAt: toDate(str(v.createDate)),
    attributes: { cidr: str(v.ipv4CidrBlock) },
  }
}
