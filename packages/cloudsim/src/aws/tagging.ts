/** Resource Groups Tagging API GetResources: like AWS, only resources that carry at least one tag. */
import { decodeToken, encodeToken } from '../http'
import { stateAt } from '../world/metrics'
import type { SimResource } from '../world/types'
import { AwsError, type AwsHandler } from './aws-types'
import { arr, num, obj, str } from './wire'

export function awsArn(r: SimResource): string | undefined {
  const p = `arn:aws:ec2:${r.region}:${r.account}`
  switch (r.type) {
    case 'ec2.instance':
      return `${p}:instance/${r.id}`
    case 'vpc':
      return `${p}:vpc/${r.id}`
    case 'subnet':
      return `${p}:subnet/${r.id}`
    case 'nat_gateway':
      return `${p}:natgateway/${r.id}`
    case 'rds.instance':
      return `arn:aws:rds:${r.region}:${r.account}:db:${r.id}`
    case 'rds.cluster':
      return `arn:aws:rds:${r.region}:${r.account}:cluster:${r.id}`
    default:
      return undefined
  }
}

/** `ec2:instance` style resource type of an ARN, as ResourceTypeFilters name them. */
function arnType(arn: string): string {
  const parts = arn.split(':')
  const service = parts[2] ?? ''
  const rest = parts.slice(5).join(':')
  const kind = rest.split(/[/:]/)[0] ?? ''
  return `${service}:${kind}`
}

const getResources: AwsHandler = (req) => {
  const perPage = num(req.input.ResourcesPerPage) ?? req.sim.limits.taggingPageSize
  if (perPage < 1 || perPage > 100)
    throw new AwsError('InvalidParameterException', 'ResourcesPerPage must be between 1 and 100')
  const tagFilters = arr(req.input.TagFilters).map((f) => ({
    key: str(obj(f).Key) ?? '',
    values: arr(obj(f).Values).map((v) => str(v) ?? ''),
  }))
  const typeFilters = arr(req.input.ResourceTypeFilters).map((t) => str(t) ?? '')
  const now = req.world.nowSeconds()
  const rows: { ResourceARN: string; Tags: { Key: string; Value: string }[] }[] = []
  for (const r of req.world.resourcesOf(req.accountId)) {
    if (r.region !== req.region) continue
    const s = stateAt(r, now)
    if (s === undefined || s === 'terminated') continue
    if (Object.keys(r.tags).length === 0) continue
    const arn = awsArn(r)
    if (!arn) continue
    if (typeFilters.length > 0 && !typeFilters.some((t) => t === arnType(arn) || t === arn.split(':')[2]))
      continue
    if (
      !tagFilters.every(
        (f) =>
          r.tags[f.key] !== undefined && (f.values.length === 0 || f.values.includes(r.tags[f.key] ?? '')),
      )
    )
      continue
    rows.push({ ResourceARN: arn, Tags: Object.entries(r.tags).map(([Key, Value]) => ({ Key, Value })) })
  }
  rows.sort((a, b) => (a.ResourceARN < b.ResourceARN ? -1 : 1))
  let offset = 0
  const token = str(req.input.PaginationToken)
  if (token) {
    const t = decodeToken<{ o: number }>(token)
    if (!t || typeof t.o !== 'number')
      throw new AwsError('PaginationTokenExpiredException', 'The pagination token is invalid or expired')
    offset = t.o
  }
  const page = rows.slice(offset, offset + perPage)
  return {
    data: {
      ResourceTagMappingList: page,
      PaginationToken: offset + perPage < rows.length ? encodeToken({ o: offset + perPage }) : '',
    },
  }
}

export const TAGGING_OPERATIONS: Record<string, AwsHandler> = { GetResources: getResources }
