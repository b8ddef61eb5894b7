/** EC2 (ec2Query protocol): regions, instances, VPCs, subnets and NAT gateways of the caller's account. */
import { encodeToken, decodeToken } from '../http'
import { stateAt } from '../world/metrics'
import { AWS_REGIONS } from '../world/regions'
import type { SimResource, SimState } from '../world/types'
import { AwsError, type AwsHandler, type AwsRequest } from './aws-types'
import { arr, bool, el, itemSet, node, num, obj, str } from './wire'

const STATE_CODE: Record<string, number> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
}
/** Terminated instances stay visible this long, as on AWS. */
const TERMINATED_VISIBLE_SEC = 3600

interface Filter {
  name: string
  values: string[]
}

function filters(input: Record<string, unknown>): Filter[] {
  return arr(input.Filter ?? input.Filters).map((f) => {
    const o = obj(f)
    return { name: str(o.Name) ?? '', values: arr(o.Value ?? o.Values).map((v) => str(v) ?? '') }
  })
}

function wildcard(pattern: string, value: string): boolean {
  if (!pattern.includes('*') && !pattern.includes('?')) return pattern === value
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  )
  return re.test(value)
}

/** Standard tag filters plus per-type fields. Unknown filter names are an error, like EC2. */
function matchFilters(
  r: SimResource,
  fs: Filter[],
  fields: Record<string, (r: SimResource) => string | undefined>,
): boolean {
  for (const f of fs) {
    let ok: boolean
    if (f.name.startsWith('tag:')) {
      const v = r.tags[f.name.slice(4)]
      ok = v !== undefined && f.values.some((p) => wildcard(p, v))
    } else if (f.name === 'tag-key') {
      ok = f.values.some((p) => Object.keys(r.tags).some((k) => wildcard(p, k)))
    } else {
      const get = fields[f.name]
      if (!get) throw new AwsError('InvalidParameterValue', `The filter '${f.name}' is invalid`)
      const v = get(r)
      ok = v !== undefined && f.values.some((p) => wildcard(p, v))
    }
    if (!ok) return false
  }
  return true
}

function tagSet(r: SimResource): string {
  return itemSet(
    'tagSet',
    Object.entries(r.tags).map(([k, v]) => el('key', k) + el('value', v)),
  )
}

/** MaxResults/NextToken paging over a stable, sorted list. */
function page<T>(
  req: AwsRequest,
  items: T[],
  opts: { min: number; max: number },
): { items: T[]; next?: string } {
  const max = num(req.input.MaxResults)
  const token = str(req.input.NextToken)
  let start = 0
  if (token) {
    const t = decodeToken<{ o: number }>(token)
    if (!t || typeof t.o !== 'number')
      throw new AwsError('InvalidParameterValue', `Invalid value '${token}' for nextToken`)
    start = t.o
  }
  if (max === undefined) return { items: items.slice(start) }
  if (max < opts.min || max > opts.max)
    throw new AwsError(
      'InvalidParameterValue',
      `Value ( ${max} ) for parameter maxResults is invalid. Expecting a value between ${opts.min} and ${opts.max}.`,
    )
  const slice = items.slice(start, start + max)
  return start + max < items.length
    ? { items: slice, next: encodeToken({ o: start + max }) }
    : { items: slice }
}

function inRegion(
  req: AwsRequest,
  type: SimResource['type'],
  now: number,
  keepTerminatedSec = 0,
): SimResource[] {
  return req.world
    .resourcesOf(req.accountId)
    .filter((r) => {
      if (r.type !== type || r.region !== req.region) return false
      const s = stateAt(r, now)
      if (s === undefined) return false
      if (s === 'terminated') {
        const last = r.history[r.history.length - 1]
        return keepTerminatedSec > 0 && last !== undefined && now - last.t < keepTerminatedSec
      }
      return true
    })
    .sort((a, b) => (a.history[0]?.t ?? 0) - (b.history[0]?.t ?? 0) || (a.id < b.id ? -1 : 1))
}

function ec2State(s: SimState | undefined): string {
  return s ?? 'pending'
}

const describeRegions: AwsHandler = (req) => {
  const all = bool(req.input.AllRegions) ?? false
  const names = arr(req.input.RegionName).map((v) => str(v) ?? '')
  const acct = req.account
  const rows = AWS_REGIONS.map((r) => {
    const optInStatus = !r.optIn
      ? 'opt-in-not-required'
      : acct?.regions.includes(r.name)
        ? 'opted-in'
        : 'not-opted-in'
    return { name: r.name, optInStatus }
  }).filter(
    (r) => (all || r.optInStatus !== 'not-opted-in') && (names.length === 0 || names.includes(r.name)),
  )
  return {
    xml: itemSet(
      'regionInfo',
      rows.map(
        (r) =>
          el('regionName', r.name) +
          el('regionEndpoint', `ec2.${r.name}.amazonaws.com`) +
          el('optInStatus', r.optInStatus),
      ),
    ),
  }
}

const describeInstances: AwsHandler = (req) => {
  const now = req.world.nowSeconds()
  const ids = arr(req.input.InstanceId).map((v) => str(v) ?? '')
  if (ids.length > 0 && req.input.MaxResults !== undefined)
    throw new AwsError(
      'InvalidParameterCombination',
      'The parameter instancesSet cannot be used with the parameter maxResults',
    )
  let list = inRegion(req, 'ec2.instance', now, TERMINATED_VISIBLE_SEC)
  if (ids.length > 0) {
    const missing = ids.filter((id) => !list.some((r) => r.id === id))
    if (missing.length > 0)
      throw new AwsError(
        'InvalidInstanceID.NotFound',
        `The instance IDs '${missing.join(', ')}' do not exist`,
      )
    list = list.filter((r) => ids.includes(r.id))
  }
  const fs = filters(req.input)
  list = list.filter((r) =>
    matchFilters(r, fs, {
      'instance-state-name': (x) => ec2State(stateAt(x, now)),
      'instance-state-code': (x) => String(STATE_CODE[ec2State(stateAt(x, now))]),
      'instance-id': (x) => x.id,
      'instance-type': (x) => String(x.attrs.instanceType),
      'vpc-id': (x) => String(x.attrs.vpcId ?? ''),
      'subnet-id': (x) => String(x.attrs.subnetId ?? ''),
      'availability-zone': (x) => x.zone,
      'private-ip-address': (x) => String(x.attrs.privateIp),
    }),
  )
  const p = page(req, list, { min: 5, max: 1000 })
  const reservations = p.items.map((r) => {
    const s = ec2State(stateAt(r, now))
    const inst =
      el('instanceId', r.id) +
      el('imageId', String(r.attrs.imageId)) +
      node('instanceState', el('code', STATE_CODE[s] ?? 0), el('name', s)) +
      el('privateDnsName', `ip-${String(r.attrs.privateIp).replace(/\./g, '-')}.ec2.internal`) +
      el('amiLaunchIndex', 0) +
      el('instanceType', String(r.attrs.instanceType)) +
      el('launchTime', new Date((r.history[0]?.t ?? 0) * 1000)) +
      node('placement', el('availabilityZone', r.zone), el('tenancy', 'default')) +
      node('monitoring', el('state', 'disabled')) +
      el('subnetId', s === 'terminated' ? undefined : String(r.attrs.subnetId ?? '')) +
      el('vpcId', s === 'terminated' ? undefined : String(r.attrs.vpcId ?? '')) +
      el('privateIpAddress', s === 'terminated' ? undefined : String(r.attrs.privateIp)) +
      el('architecture', 'x86_64') +
      el('rootDeviceType', 'ebs') +
      el('platformDetails', String(r.attrs.platform ?? 'Linux/UNIX')) +
      tagSet(r)
    return (
      el('reservationId', `r-${r.id.slice(2)}`) +
      el('ownerId', req.accountId) +
      itemSet('groupSet', []) +
      itemSet('instancesSet', [inst])
    )
  })
  return { xml: itemSet('reservationSet', reservations) + el('nextToken', p.next) }
}

const describeVpcs: AwsHandler = (req) => {
  const now = req.world.nowSeconds()
  const ids = arr(req.input.VpcId).map((v) => str(v) ?? '')
  const fs = filters(req.input)
  const list = inRegion(req, 'vpc', now).filter(
    (r) =>
      (ids.length === 0 || ids.includes(r.id)) &&
      matchFilters(r, fs, {
        'vpc-id': (x) => x.id,
        'cidr-block': (x) => String(x.attrs.cidr),
        state: () => 'available',
      }),
  )
  const p = page(req, list, { min: 5, max: 1000 })
  return {
    xml:
      itemSet(
        'vpcSet',
        p.items.map(
          (r) =>
            el('vpcId', r.id) +
            el('ownerId', req.accountId) +
            el('state', 'available') +
            el('cidrBlock', String(r.attrs.cidr)) +
            el('dhcpOptionsId', 'dopt-0sim') +
            el('instanceTenancy', 'default') +
            el('isDefault', Boolean(r.attrs.isDefault)) +
            tagSet(r),
        ),
      ) + el('nextToken', p.next),
  }
}

const describeSubnets: AwsHandler = (req) => {
  const now = req.world.nowSeconds()
  const ids = arr(req.input.SubnetId).map((v) => str(v) ?? '')
  const fs = filters(req.input)
  const list = inRegion(req, 'subnet', now).filter(
    (r) =>
      (ids.length === 0 || ids.includes(r.id)) &&
      matchFilters(r, fs, {
        'subnet-id': (x) => x.id,
        'vpc-id': (x) => String(x.attrs.vpcId),
        'availability-zone': (x) => x.zone,
        state: () => 'available',
      }),
  )
  const p = page(req, list, { min: 5, max: 1000 })
  return {
    xml:
      itemSet(
        'subnetSet',
        p.items.map(
          (r) =>
            el('subnetId', r.id) +
            el('subnetArn', `arn:aws:ec2:${r.region}:${req.accountId}:subnet/${r.id}`) +
            el('state', 'available') +
            el('ownerId', req.accountId) +
            el('vpcId', String(r.attrs.vpcId)) +
            el('cidrBlock', String(r.attrs.cidr)) +
            el('availableIpAddressCount', Number(r.attrs.availableIpAddressCount)) +
            el('availabilityZone', r.zone) +
            el('defaultForAz', false) +
            el('mapPublicIpOnLaunch', false) +
            tagSet(r),
        ),
      ) + el('nextToken', p.next),
  }
}

const describeNatGateways: AwsHandler = (req) => {
  const now = req.world.nowSeconds()
  const ids = arr(req.input.NatGatewayId).map((v) => str(v) ?? '')
  const fs = filters(req.input)
  const list = inRegion(req, 'nat_gateway', now, TERMINATED_VISIBLE_SEC).filter(
    (r) =>
      (ids.length === 0 || ids.includes(r.id)) &&
      matchFilters(r, fs, {
        'nat-gateway-id': (x) => x.id,
        'vpc-id': (x) => String(x.attrs.vpcId),
        'subnet-id': (x) => String(x.attrs.subnetId),
        state: (x) => natState(stateAt(x, now)),
      }),
  )
  const p = page(req, list, { min: 5, max: 1000 })
  return {
    xml:
      itemSet(
        'natGatewaySet',
        p.items.map(
          (r) =>
            el('natGatewayId', r.id) +
            el('vpcId', String(r.attrs.vpcId)) +
            el('subnetId', String(r.attrs.subnetId)) +
            el('state', natState(stateAt(r, now))) +
            el('connectivityType', String(r.attrs.connectivityType)) +
            el('createTime', new Date((r.history[0]?.t ?? 0) * 1000)) +
            itemSet('natGatewayAddressSet', [
              el('allocationId', `eipalloc-${r.id.slice(4)}`) +
                el('networkInterfaceId', `eni-${r.id.slice(4)}`) +
                el('privateIp', String(r.attrs.privateIp)) +
                el('publicIp', String(r.attrs.publicIp)) +
                el('isPrimary', true) +
                el('status', 'succeeded'),
            ]) +
            tagSet(r),
        ),
      ) + el('nextToken', p.next),
  }
}

function natState(s: SimState | undefined): string {
  return s === 'terminated' ? 'deleted' : s === 'pending' ? 'pending' : 'available'
}

export const EC2_OPERATIONS: Record<string, AwsHandler> = {
  DescribeRegions: describeRegions,
  DescribeInstances: describeInstances,
  DescribeVpcs: describeVpcs,
  DescribeSubnets: describeSubnets,
  DescribeNatGateways: describeNatGateways,
}
