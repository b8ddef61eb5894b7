/**
 * Azure list operations page by nextLink. Each page is fetched as its own counted, retried call by
 * resuming the SDK iterator from the previous page's continuation token.
 */
import type { Operation, Run } from '../shared/call'
import { collectPages } from '../shared/paging'

export interface Pageable<T> {
  byPage(settings?: {
    continuationToken?: string
  }): AsyncIterableIterator<T[] & { continuationToken?: string }>
}

export async function azurePages<T, R>(
  run: Run,
  op: Operation,
  list: () => Pageable<T>,
  map: (item: T) => R | null,
): Promise<R[]> {
  return collectPages(run, op, async (token) => {
    const it = list().byPage(token ? { continuationToken: token } : undefined)
    const r = await it.next()
    const page = r.done ? [] : r.value
    const items: R[] = []
    for (const x of page) {
      const m = map(x)
      if (m !== null) items.push(m)
    }
    return { items, next: r.done ? undefined : page.continuationToken }
  })
}

/** ARM ids: /subscriptions/{sub}/resourceGroups/{rg}/providers/{ns}/{type}/{name}[/…]. Case-insensitive. */
export function parseArmId(
  id: string,
): { subscriptionId: string; resourceGroup: string; name: string } | null {
  const m = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/.+\/([^/]+)$/i.exec(id)
  return m ? { subscriptionId: m[1] as string, resourceGroup: m[2] as string, name: m[3] as string } : null
}

/** Location names come as "Korea Central" from some APIs and "koreacentral" from others. */
export function normalizeLocation(l: string | undefined | null): string {
  return (l ?? '').toLowerCase().replace(/\s+/g, '')
}
