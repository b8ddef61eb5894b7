import { badResponse, type Operation, type Run } from '../shared/call'
import { collectPages } from '../shared/paging'
import type { NcpClient } from './http'

/** What a per-resource module gets: the signed client and a runner bound to one account + region. */
export interface NcpScope {
  client: NcpClient
  /** Our account id for the resources (memberNo when known, see provider.ts). */
  accountNativeId: string
  region: string
  run: Run
}

/** NCP answers `{"<operation>Response": {…}}`; anything else is a malformed body. */
export function envelope(body: unknown, operation: string): Record<string, unknown> {
  const inner = (body as Record<string, unknown> | null)?.[`${operation}Response`]
  if (!inner || typeof inner !== 'object') throw badResponse(`${operation} returned no ${operation}Response`)
  return inner as Record<string, unknown>
}

/** NCP's CommonCode `{code, codeName}`. */
export function codeOf(v: unknown): string | null {
  const c = (v as { code?: unknown } | null | undefined)?.code
  return typeof c === 'string' && c ? c : null
}

/**
 * NCP's `pageNo`/`pageSize` listings (1-based; `totalRows` says how many there are): each page is its
 * own counted, retried call; a page is validated inside its call by `fetchPage`.
 */
export function ncpPages<T>(
  run: Run,
  op: Operation,
  pageSize: number,
  fetchPage: (pageNo: number, pageSize: number) => Promise<{ items: T[]; totalRows: number }>,
): Promise<T[]> {
  return collectPages(run, op, async (token) => {
    const pageNo = token ? Number(token) : 1
    const { items, totalRows } = await fetchPage(pageNo, pageSize)
    const more = items.length > 0 && pageNo * pageSize < totalRows
    return { items, next: more ? String(pageNo + 1) : undefined }
  })
}

/** `totalRows` of a list envelope, validated (a missing count would silently truncate the listing). */
export function totalRowsOf(r: Record<string, unknown>, operation: string): number {
  const n = Number(r.totalRows)
  if (!Number.isFinite(n) || n < 0) throw badResponse(`${operation} returned no totalRows`)
  return n
}
