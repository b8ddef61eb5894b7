/** RDS (awsQuery): DB instances and clusters of the caller's account and region, Marker paging. */
import { decodeToken, encodeToken } from '../http'
import { stateAt } from '../world/metrics'
import type { SimResource, SimState } from '../world/types'
import { AwsError, type AwsHandler, type AwsRequest } from './aws-types'
import { arr, el, node, num, obj, str } from './wire'

function rdsStatus(s: SimState | undefined): string {
  switch (s) {
    case 'running':
      return 'available'
    case 'stopped':
      return 'stopped'
    case 'pending':
    case undefined:
      return 'creating'
    case 'terminated':
      return 'deleted'
  }
}

function tagList(r: SimResource): string {
  return node('TagList', ...Object.entries(r.tags).map(([k, v]) => node('Tag', el('Key', k), el('Value', v))))
}

function list(req: AwsRequest, type: SimResource['type']): SimResource[] {
  const now = req.world.nowSeconds()
  return req.world
    .resourcesOf(req.accountId)
    .filter((r) => {
      const s = stateAt(r, now)
      return r.type === type && r.region === req.region && s !== undefined && s !== 'terminated'
    })
    .sort((a, b) => (a.id < b.id ? -1 : 1))
}

function paged(req: AwsRequest, items: SimResource[]): { items: SimResource[]; marker?: string } {
  const max = num(req.input.MaxRecords) ?? 100
  if (max < 20 || max > 100)
    throw new AwsError(
      'InvalidParameterValue',
      `Invalid value ${max} for MaxRecords. Must be between 20 and 100`,
    )
  const m = str(req.input.Marker)
  let start = 0
  if (m) {
    const t = decodeToken<{ o: number }>(m)
    if (!t || typeof t.o !== 'number') throw new AwsError('InvalidParameterValue', 'Invalid marker')
    start = t.o
  }
  const slice = items.slice(start, start + max)
  return start + max < items.length
    ? { items: slice, marker: encodeToken({ o: start + max }) }
    : { items: slice }
}

function filterValues(req: AwsRequest, name: string): string[] | undefined {
  const f = arr(obj(req.input.Filters).Filter ?? req.input.Filters)
    .map(obj)
    .find((x) => str(x.Name) === name)
  if (!f) return undefined
  const values = f.Values
  return arr(obj(values).Value ?? values).map((v) => str(v) ?? '')
}

const describeDBInstances: AwsHandler = (req) => {
  const now = req.world.nowSeconds()
  const id = str(req.input.DBInstanceIdentifier)
  let items = list(req, 'rds.instance')
  if (id) {
    items = items.filter((r) => r.id === id)
    if (items.length === 0) throw new AwsError('DBInstanceNotFound', `DBInstance ${id} not found.`, 404)
  }
  const engines = filterValues(req, 'engine')
  if (engines) items = items.filter((r) => engines.includes(String(r.attrs.engine)))
  const p = paged(req, items)
  const body = p.items.map((r) => {
    const port = String(r.attrs.engine).includes('mysql') ? 3306 : 5432
    return node(
      'DBInstance',
      el('DBInstanceIdentifier', r.id),
      el('DBInstanceClass', String(r.attrs.instanceClass)),
      el('Engine', String(r.attrs.engine)),
      el('EngineVersion', String(r.attrs.engineVersion)),
      el('DBInstanceStatus', rdsStatus(stateAt(r, now))),
      el('MasterUsername', 'admin'),
      node(
        'Endpoint',
        el('Address', `${r.id}.c${r.account.slice(0, 8)}.${r.region}.rds.amazonaws.com`),
        el('Port', port),
        el('HostedZoneId', 'Z2R2ITUGPM61AM'),
      ),
      el('AllocatedStorage', Number(r.attrs.allocatedStorage)),
      el('InstanceCreateTime', new Date((r.history[0]?.t ?? 0) * 1000)),
      el('AvailabilityZone', r.zone),
      el('MultiAZ', Boolean(r.attrs.multiAz)),
      el('StorageType', 'gp3'),
      el(
        'DbiResourceId',
        `db-${r.id
          .toUpperCase()
          .replace(/[^A-Z0-9]/g, '')
          .slice(0, 20)}`,
      ),
      el('DBInstanceArn', `arn:aws:rds:${r.region}:${r.account}:db:${r.id}`),
      tagList(r),
    )
  })
  return { xml: node('DBInstances', ...body) + el('Marker', p.marker) }
}

const describeDBClusters: AwsHandler = (req) => {
  const now = req.world.nowSeconds()
  const id = str(req.input.DBClusterIdentifier)
  let items = list(req, 'rds.cluster')
  if (id) {
    items = items.filter((r) => r.id === id)
    if (items.length === 0) throw new AwsError('DBClusterNotFoundFault', `DBCluster ${id} not found.`, 404)
  }
  const p = paged(req, items)
  const body = p.items.map((r) =>
    node(
      'DBCluster',
      el('DBClusterIdentifier', r.id),
      el('Engine', String(r.attrs.engine)),
      el('EngineVersion', String(r.attrs.engineVersion)),
      el('Status', rdsStatus(stateAt(r, now))),
      el('Endpoint', `${r.id}.cluster-c${r.account.slice(0, 8)}.${r.region}.rds.amazonaws.com`),
      el('ReaderEndpoint', `${r.id}.cluster-ro-c${r.account.slice(0, 8)}.${r.region}.rds.amazonaws.com`),
      el('Port', 5432),
      el('MultiAZ', false),
      el('AllocatedStorage', 1),
      el('ClusterCreateTime', new Date((r.history[0]?.t ?? 0) * 1000)),
      el('DBClusterArn', `arn:aws:rds:${r.region}:${r.account}:cluster:${r.id}`),
      node('DBClusterMembers'),
      tagList(r),
    ),
  )
  return { xml: node('DBClusters', ...body) + el('Marker', p.marker) }
}

export const RDS_OPERATIONS: Record<string, AwsHandler> = {
  DescribeDBInstances: describeDBInstances,
  DescribeDBClusters: describeDBClusters,
}
