/** Tiny readers for NCP's JSON fields (every field is optional on the wire). */
export const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null)
export const num = (v: unknown): number | null => {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v
  return typeof n === 'number' && Number.isFinite(n) ? n : null
}
export const bool = (v: unknown): boolean | null =>
  typeof v === 'boolean' ? v : v === 'true' ? true : v === 'false' ? false : null
