/**
 * Paging with each page its own counted, retried call: a throttled page 7 retries page 7, not the whole
 * listing. `fetchPage` parses and validates inside the call so a malformed page is retried too.
 */
import type { Operation, Run } from './call'

export async function collectPages<T>(
  run: Run,
  op: Operation,
  fetchPage: (token: string | undefined) => Promise<{ items: T[]; next: string | undefined }>,
  maxPages = 10_000,
): Promise<T[]> {
  const out: T[] = []
  let token: string | undefined
  for (let page = 0; page < maxPages; page++) {
    const current = token
    const { items, next } = await run(op, () => fetchPage(current))
    out.push(...items)
    // An empty-string or repeated token would loop forever on a misbehaving endpoint.
    if (!next || next === current) return out
    token = next
  }
  return out
}
