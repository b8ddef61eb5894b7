/**
 * The alert state machine, pure. One instance per fingerprint (rule × subject):
 *
 *   inactive ──cond──► pending ──cond held forMinutes──► firing ──!cond──► resolved ──cond──► pending …
 *       ▲                 │                                │ (re-notify every renotifyMinutes)
 *       └──────!cond──────┘                                ▼
 * With forMinutes = 0 the pending step is skipped. Notifications go out only on transitions into firing
 * and resolved (and on re-notify), so an incident produces exactly one `firing` and one `resolved`.
 * A firing notification suppressed by a silence is sent when the silence ends (if still firing); a
 * resolved notification is sent only if its firing one went out.
 */
export type AlertState = 'inactive' | 'pending' | 'firing' | 'resolved'

export interface InstanceState {
  state: AlertState
  incident: number
  pendingSince: Date | null
  firingSince: Date | null
  resolvedAt: Date | null
  lastNotifiedAt: Date | null
  notifyCount: number
  /** The current incident's firing notification went out. */
  notified: boolean
}

export const INITIAL_STATE: InstanceState = {
  state: 'inactive',
  incident: 0,
  pendingSince: null,
  firingSince: null,
  resolvedAt: null,
  lastNotifiedAt: null,
  notifyCount: 0,
  notified: false,
}

export type NotifyKind = { status: 'firing'; renotify: number } | { status: 'resolved' } | null

export interface TransitionInput {
  active: boolean
  now: Date
  forMs: number
  renotifyMs: number | null
  silenced: boolean
}

export function transition(
  prev: InstanceState,
  input: TransitionInput,
): { next: InstanceState; notify: NotifyKind } {
  const { active, now, forMs, renotifyMs, silenced } = input
  const s = { ...prev }
  if (active) {
    if (s.state === 'inactive' || s.state === 'resolved') {
      s.state = 'pending'
      s.pendingSince = now
    }
    if (s.state === 'pending' && now.getTime() - (s.pendingSince ?? now).getTime() >= forMs) {
      s.state = 'firing'
      s.incident += 1
      s.firingSince = now
      s.resolvedAt = null
      s.notified = false
      s.notifyCount = 0
    }
    if (s.state !== 'firing' || silenced) return { next: s, notify: null }
    if (!s.notified) {
      s.notified = true
      s.notifyCount = 1
      s.lastNotifiedAt = now
      return { next: s, notify: { status: 'firing', renotify: 0 } }
    }
    if (renotifyMs !== null && s.lastNotifiedAt && now.getTime() - s.lastNotifiedAt.getTime() >= renotifyMs) {
      s.lastNotifiedAt = now
      s.notifyCount += 1
      return { next: s, notify: { status: 'firing', renotify: s.notifyCount - 1 } }
    }
    return { next: s, notify: null }
  }
  if (s.state === 'pending') {
    s.state = 'inactive'
    s.pendingSince = null
    return { next: s, notify: null }
  }
  if (s.state === 'firing') {
    s.state = 'resolved'
    s.resolvedAt = now
    s.pendingSince = null
    const wasNotified = s.notified
    if (wasNotified) s.lastNotifiedAt = now
    return { next: s, notify: wasNotified ? { status: 'resolved' } : null }
  }
  return { next: s, notify: null }
}
