import { describe, expect, it } from 'vitest'
import { alignWindow } from './windows'

const MIN = 60_000
const at = (m: number) => new Date(Date.UTC(2026, 10, 27, 12, 0) + m * MIN)

describe('alignWindow', () => {
  it('ends at the newest converged period boundary and re-reads the last periods', () => {
    // now 12:31, delay 10 min → converged up to 12:21 → end 12:20 (5-minute periods).
    const w = alignWindow({ from: at(15), to: at(31) }, 300, 600, at(31), 2)!
    expect(w.start).toEqual(at(5))
    expect(w.end).toEqual(at(20))
    expect(w.periods).toBe(3)
  })

  it('returns null when nothing in the window has converged', () => {
    expect(alignWindow({ from: at(25), to: at(31) }, 300, 600, at(31), 0)).toBeNull()
  })

  it('a provisional window reaches now, the period in progress included', () => {
    const w = alignWindow({ from: at(25), to: at(31), provisional: true }, 300, 600, at(31), 0)!
    expect(w.start).toEqual(at(25))
    expect(w.end).toEqual(at(35))
    // …but never beyond `to` rounded up, nor beyond now.
    const capped = alignWindow({ from: at(0), to: at(12), provisional: true }, 300, 600, at(31), 0)!
    expect(capped.end).toEqual(at(15))
  })

  it("an exact window skips the provider's own re-read (the caller already re-reads)", () => {
    const w = alignWindow({ from: at(15), to: at(31), exact: true }, 300, 600, at(31), 2)!
    expect(w.start).toEqual(at(15))
    expect(w.end).toEqual(at(20))
  })
})
