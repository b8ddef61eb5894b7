/** Small helpers shared by the per-resource normalizers. */
import type { ResourceState } from '@cms/core'

export function tagsFromKeyValues(
  list: ReadonlyArray<{ Key?: string | undefined; Value?: string | undefined }> | undefined,
): Record<string, string> {
  const out: Record<string, string> = {}
  for (const t of list ?? []) if (t.Key) out[t.Key] = t.Value ?? ''
  return out
}

export function tagsFromRecord(
  rec: Record<string, string | null | undefined> | null | undefined,
): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(rec ?? {})) out[k] = v ?? ''
  return out
}

/** Map a native state to ours through a table; anything unlisted is 'unknown' (and the native one is kept). */
export function mapState(
  native: string | null | undefined,
  table: Record<string, ResourceState>,
): ResourceState {
  if (!native) return 'unknown'
  return table[native.toLowerCase()] ?? 'unknown'
}

export function toDate(v: Date | string | number | null | undefined): Date | null {
  if (v === null || v === undefined || v === '') return null
  const d = v instanceof Date ? v : new Date(v)
  return Number.isNaN(d.getTime()) ? null : d
}
