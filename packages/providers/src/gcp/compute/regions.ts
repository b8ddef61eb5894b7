import type { RegionsClient } from '@google-cloud/compute'
import { badResponse } from '../../shared/call'
import { collectPages } from '../../shared/paging'
import { withDeadline } from '../clients'
import type { GcpProjectScope } from '../scope'

export type RegionsApi = Pick<RegionsClient, 'list'>

export async function listGcpRegions(
  api: RegionsApi,
  s: GcpProjectScope,
): Promise<{ enabled: string[]; disabled: string[] }> {
  const all = await collectPages(s.run, { api: 'gcp.compute', operation: 'regions.list' }, async (token) => {
    const [items, next] = await withDeadline(
      (o) => api.list({ project: s.projectId, maxResults: 500, ...(token ? { pageToken: token } : {}) }, o),
      s.signal,
    )
    if (!Array.isArray(items)) throw badResponse('regions.list returned no items')
    return {
      items: items.map((r) => ({ name: r.name ?? '', up: r.status !== 'DOWN' })),
      next: next?.pageToken ?? undefined,
    }
  })
  return {
    enabled: all
      .filter((r) => r.name && r.up)
      .map((r) => r.name)
      .sort(),
    disabled: all
      .filter((r) => r.name && !r.up)
      .map((r) => r.name)
      .sort(),
  }
}
