import { describe, expect, it } from 'vitest'
import { Rng } from '../world/hash'
import { roundHalfUp } from '../world/metrics'
import { JsonWriter } from './json-writer'

function written(f: (w: JsonWriter) => void, initialBytes?: number): string {
  const w = new JsonWriter(initialBytes)
  f(w)
  return w.finish().toString('utf8')
}

/** Numbers joined by commas, the way the GetMetricData writer emits them (and toAwsJson before it). */
function numbers(vs: number[]): string {
  return written((w) => vs.forEach((v, i) => (i > 0 && w.byte(0x2c), w.number(v))), 8)
}

describe('JsonWriter', () => {
  it('formats numbers exactly as String() does', () => {
    const rng = new Rng(42)
    const vs: number[] = [
      0,
      -0,
      1,
      -1,
      9,
      10,
      99,
      100,
      2 ** 31 - 1,
      2 ** 31,
      2 ** 32,
      1767225600,
      999999999,
      1e9,
      1e9 + 0.5,
      2 ** 53 - 1,
      2 ** 53,
      2 ** 53 + 2,
      1e21,
      1e22,
      0.1,
      0.2,
      0.1 + 0.2,
      1e-6,
      1e-7,
      5e-7,
      0.000001,
      0.0000015,
      123.456,
      -123.456,
      12.340000000000002,
      0.5,
      1.5,
      99.9999,
      1e-300,
      Number.MAX_VALUE,
      Number.MIN_VALUE,
      999999999.999999,
      999999999.9999995,
      123456789.123456,
    ]
    for (let i = 0; i < 200_000; i++) {
      const x = rng.next()
      const scale = 10 ** rng.int(-8, 13)
      // the shapes metric values take: 1e-6 / 1e-4 rounding, integers, raw doubles, sums of rounded samples
      vs.push(
        Math.round(x * scale * 1e6) / 1e6,
        Math.round(x * scale * 1e4) / 1e4,
        Math.round(x * scale),
        x * scale,
        -x * scale,
        (Math.round(x * 1e4) / 1e4) * 3 + Math.round(rng.next() * 1e4) / 1e4,
      )
    }
    const want = vs.map((v) => String(v)).join(',')
    expect(numbers(vs)).toBe(want)
    // The bulk path (what GetMetricData uses), forwards and backwards.
    const xs = Float64Array.from(vs)
    expect(written((w) => w.numbers(xs, 0, 1, xs.length), 8)).toBe(want)
    expect(written((w) => w.numbers(xs, xs.length - 1, -1, xs.length), 8)).toBe(
      [...vs]
        .reverse()
        .map((v) => String(v))
        .join(','),
    )
  })

  it('writes null for non-finite numbers, as JSON.stringify does', () => {
    expect(numbers([NaN, Infinity, -Infinity, 1])).toBe(
      JSON.stringify([NaN, Infinity, -Infinity, 1]).slice(1, -1),
    )
    expect(written((w) => w.numbers(Float64Array.from([NaN, 1, Infinity]), 0, 1, 3))).toBe('null,1,null')
  })

  it('writes strings exactly as JSON.stringify does (escapes, non-ASCII, lone surrogates)', () => {
    const ss = [
      '',
      'q0',
      'CPUUtilization',
      'a"b',
      'a\\b',
      'line\nbreak\t\u0001',
      'é 한국어 😀',
      '\ud800 lone',
      '</script>&',
      'x'.repeat(70_000),
    ]
    for (const s of ss) expect(written((w) => w.string(s), 4)).toBe(JSON.stringify(s))
  })
})

describe('roundHalfUp', () => {
  it('equals Math.round bit for bit', () => {
    const rng = new Rng(7)
    const xs = [
      0,
      -0,
      0.5,
      -0.5,
      1.5,
      2.5,
      -1.5,
      0.49999999999999994,
      0.5000000000000001,
      1 - 2 ** -53,
      2 ** 52 - 0.5,
      2 ** 52,
      2 ** 52 + 1,
      2 ** 53 + 1,
      4503599627370495.5,
      NaN,
      Infinity,
      -Infinity,
      1e300,
      -1e300,
      5e-324,
    ]
    for (let i = 0; i < 200_000; i++) {
      const x = (rng.next() - 0.1) * 10 ** rng.int(-3, 17)
      xs.push(x, Math.floor(x) + 0.5, Math.floor(x) + 0.49999999999999994, x * 1e6, x * 1e4)
    }
    expect(xs.filter((x) => !Object.is(roundHalfUp(x), Math.round(x)))).toEqual([])
  })
})
