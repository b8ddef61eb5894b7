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
 * NCP's `pageNo`/`pageSize` listings (`totalRows` says how many there are): each page is its own
 * counted, retried call; a page is validated inside its call by `fetchPage`.
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

/**
 * Paging for APIs documented as 0-based (Cloud DB for MySQL: "pageNo min: 0", its examples start at
 * `pageNo=0`), robust to a gateway that reads 0 as 1 as the VPC server APIs do: items are de-duplicated
 * by id, and a page that repeats the previous one is skipped (one extra call in that case) instead of
 * ending the listing. Stops once `totalRows` distinct items are in, or on an empty page.
 */
export async function ncpPagesFromZero<T>(
  run: Run,
  op: Operation,
  pageSize: number,
  idOf: (t: T) => string,
  fetchPage: (pageNo: number, pageSize: number) => Promise<{ items: T[]; totalRows: number }>,
  maxPages = 10_000,
): Promise<T[]> {
  const seen = new Map<string, T>()
  let repeats = 0
  for (let pageNo = 0; pageNo < maxPages; pageNo++) {
    const { items, totalRows } = await run(op, () => fetchPage(pageNo, pageSize))
    let added = 0
    for (const it of items) {
      const id = idOf(it)
      if (!seen.has(id)) {
        seen.set(id, it)
        added++
      }
    }
    if (!items.length || seen.size >= totalRows) break
    // Two pages in a row with nothing new: the gateway is not paging the way we ask; stop, don't loop.
    repeats = added ? 0 : repeats + 1
    if (repeats >= 2) break
  }
  return [...seen.values()]
}

/** `totalRows` of a list envelope, validated (a missing count would silently truncate the listing). */
export function totalRowsOf(r: Record<string, unknown>, operation: string): number {
  const n = Number(r.totalRows)
  if (!Number.isFinite(n) || n < 0) throw badResponse(`${operation} returned no totalRows`)
  return n
}
