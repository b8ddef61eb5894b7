import type { Run } from '../shared/call'

export interface GcpProjectScope {
  projectId: string
  run: Run
  /** The caller's cancellation (a job's): aborts the request in flight. */
  signal?: AbortSignal
}

/** "https://…/zones/us-central1-a" or "zones/us-central1-a" → "us-central1-a". */
export const lastSegment = (url: string | null | undefined): string | null =>
  url ? (url.split('/').pop() ?? null) : null
/** "us-central1-a" → "us-central1". */
export const regionOfZone = (zone: string | null): string => (zone ? zone.replace(/-[a-z]$/, '') : 'global')
