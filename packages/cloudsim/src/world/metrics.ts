/**
 * The metric value function: every sample is a pure function of (world seed, resource id, metric,
 * minute), a diurnal sine plus hash noise, so any query is reproducible and other packages' tests can
 * compute the exact truth with the same exported functions. Nothing is stored per point.
 */
import { fmix, hash2, hashString, unit } from './hash'
import { metricSpec, type MetricSpec } from './metric-catalog'
import type { SimResource, SimState } from './types'

/** Samples exist once per minute; a minute becomes visible this many seconds after it ends. */
export const SAMPLE_SECONDS = 60
export const INGEST_DELAY_SECONDS = 60

const TWO_PI = Math.PI * 2

/** One day of the diurnal sine, per minute (a table lookup is much cheaper than Math.sin on the hot path). */
const MINUTES_PER_DAY = 1440
const DIURNAL = Float64Array.from({ length: MINUTES_PER_DAY }, (_, m) => Math.sin((TWO_PI * m) / MINUTES_PER_DAY))

/**
 * Math.round(x), bit for bit, but faster on the hot path: V8 lowers Math.round to ceil plus a
 * data-dependent branch that mispredicts about half the time on noisy samples (it was most of the cost of
 * a sample). For 0.5 ≤ x < 2^52, x + 0.5 is exact or lands in [2^e, 2^e + 0.5) when it crosses a
 * power of two, so floor(x + 0.5) equals Math.round(x); elsewhere (negatives, tiny, huge, NaN) defer to it.
 */
export function roundHalfUp(x: number): number {
  return x >= 0.5 && x < 4503599627370496 ? Math.floor(x + 0.5) : Math.round(x)
}

/** Precomputed per-series constants (a series = one resource × one metric). */
export interface SeriesGen {
  spec: MetricSpec
  seed: number
  base: number
  /** Phase of the daily cycle, in whole minutes. */
  phase: number
}

export function seriesGen(worldSeed: number, resourceId: string, spec: MetricSpec): SeriesGen {
  const seed = hashString(`${resourceId}\u0000${spec.name}`, worldSeed)
  return { spec, seed, base: spec.baseLo + unit(seed) * (spec.baseHi - spec.baseLo), phase: Math.floor(unit(fmix(seed ^ 0x2545f491)) * MINUTES_PER_DAY) }
}

/** The value of one per-minute sample (minute = floor(epochSeconds / 60)). */
export function sampleAt(g: SeriesGen, minute: number): number {
  const { spec } = g
  const diurnal = DIURNAL[(minute + g.phase) % MINUTES_PER_DAY] ?? 0
  const noise = unit(hash2(g.seed, minute)) * 2 - 1
  let v = g.base * (1 + spec.amp * diurnal + spec.noise * noise)
  if (v < spec.min) v = spec.min
  if (v > spec.max) v = spec.max
  return spec.integer ? roundHalfUp(v) : roundHalfUp(v * 10000) / 10000
}

/** State of a resource at epoch second t (before creation → undefined). */
export function stateAt(r: SimResource, t: number): SimState | undefined {
  const h = r.history
  for (let i = h.length - 1; i >= 0; i--) {
    const c = h[i]
    if (c && c.t <= t) return c.state
  }
  return undefined
}

/** Resources publish metrics while running; databases and NAT gateways are "running" while available. */
export function publishesAt(r: SimResource, t: number): boolean {
  return stateAt(r, t) === 'running'
}

export interface WorldLike {
  seed: number
  resource(id: string): SimResource | undefined
  nowSeconds(): number
}

/**
 * The raw per-minute sample of `metric` for `resourceId` at `tsSeconds`, or null when there is none
 * (unknown resource or metric, not running, or not yet ingested).
 */
export function metricValue(world: WorldLike, resourceId: string, metric: string, tsSeconds: number): number | null {
  const r = world.resource(resourceId)
  if (!r) return null
  const spec = metricSpec(r.type, metric)
  if (!spec) return null
  const minute = Math.floor(tsSeconds / SAMPLE_SECONDS)
  if (minute * SAMPLE_SECONDS + SAMPLE_SECONDS + INGEST_DELAY_SECONDS > world.nowSeconds()) return null
  if (!publishesAt(r, minute * SAMPLE_SECONDS)) return null
  return sampleAt(seriesGen(world.seed, r.id, spec), minute)
}

/** CloudWatch-style statistic names; Azure/GCP aggregations map onto these. */
export type Stat = 'Average' | 'Minimum' | 'Maximum' | 'Sum' | 'SampleCount' | `p${number}`

export function isStat(s: string): s is Stat {
  return ['Average', 'Minimum', 'Maximum', 'Sum', 'SampleCount'].includes(s) || /^p(\d{1,2}(\.\d+)?|100)$/.test(s)
}

/** Reduce samples to one statistic. Percentiles use nearest rank. */
export function reduce(samples: number[], stat: Stat): number {
  const n = samples.length
  switch (stat) {
    case 'SampleCount':
      return n
    case 'Sum': {
      let s = 0
      for (const v of samples) s += v
      return Math.round(s * 1e6) / 1e6
    }
    case 'Average': {
      let s = 0
      for (const v of samples) s += v
      return Math.round((s / n) * 1e6) / 1e6
    }
    case 'Minimum': {
      let m = Infinity
      for (const v of samples) if (v < m) m = v
      return m
    }
    case 'Maximum': {
      let m = -Infinity
      for (const v of samples) if (v > m) m = v
      return m
    }
    default: {
      const p = Number(stat.slice(1))
      const sorted = [...samples].sort((a, b) => a - b)
      const idx = Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))
      return sorted[idx] ?? NaN
    }
  }
}

export interface Bucket {
  /** Bucket start, epoch seconds, a multiple of the period. */
  t: number
  value: number
}

/**
 * Period-aligned buckets of one series over [startSec, endSec): bucket starts are multiples of
 * `periodSec` since the epoch; a bucket with no visible sample is omitted (as the clouds do).
 * This is the exact truth every simulated metrics API returns.
 */
export function aggregateBuckets(
  world: WorldLike,
  resourceId: string,
  metric: string,
  opts: { startSec: number; endSec: number; periodSec: number; stat: Stat },
): Bucket[] {
  const r = world.resource(resourceId)
  if (!r) return []
  const spec = metricSpec(r.type, metric)
  if (!spec) return []
  return aggregateResource(world.seed, r, spec, opts, world.nowSeconds())
}

/** As aggregateBuckets, for callers that already resolved the resource and spec. */
export function aggregateResource(
  worldSeed: number,
  r: SimResource,
  spec: MetricSpec,
  opts: { startSec: number; endSec: number; periodSec: number; stat: Stat },
  nowSec: number,
): Bucket[] {
  const cap = bucketCapacity(opts)
  const ts = new Float64Array(cap)
  const vs = new Float64Array(cap)
  const n = aggregateInto(worldSeed, r, spec, opts, nowSec, ts, vs, 0)
  const out: Bucket[] = new Array<Bucket>(n)
  for (let i = 0; i < n; i++) out[i] = { t: ts[i] ?? 0, value: vs[i] ?? 0 }
  return out
}

/** The most buckets `aggregateInto` can write for these options (one per period in the window). */
export function bucketCapacity(opts: { startSec: number; endSec: number; periodSec: number }): number {
  const first = Math.floor(opts.startSec / opts.periodSec) * opts.periodSec
  return opts.endSec > first ? Math.ceil((opts.endSec - first) / opts.periodSec) : 0
}

/**
 * The single implementation behind aggregateResource/aggregateBuckets (so every API returns the same
 * bits): writes bucket starts to `ts` and values to `vs` from index `at`, returns how many it wrote.
 * Typed arrays and one pass per series, because GetMetricData runs this for 500 series × 60 buckets per
 * request and per-bucket objects dominated its time. Callers size the arrays with bucketCapacity().
 */
export function aggregateInto(
  worldSeed: number,
  r: SimResource,
  spec: MetricSpec,
  opts: { startSec: number; endSec: number; periodSec: number; stat: Stat },
  nowSec: number,
  ts: Float64Array,
  vs: Float64Array,
  at: number,
): number {
  const { periodSec, stat, startSec, endSec } = opts
  const g = seriesGen(worldSeed, r.id, spec)
  const lastVisibleMinute = Math.floor((nowSec - INGEST_DELAY_SECONDS) / SAMPLE_SECONDS) - 1
  const created = r.history[0]?.t ?? Infinity
  // Percentiles need the samples, Minimum/Maximum a running extreme (data-dependent branches that
  // mispredict, so only when asked for); everything else is a sum and a count.
  const needSamples = stat.startsWith('p')
  const track = needSamples || stat === 'Minimum' || stat === 'Maximum'
  const samples: number[] = []
  const simple = r.history.length === 1 && r.history[0]?.state === 'running'
  // Hoisted so the inner loop reads locals, not (polymorphic) spec fields; the arithmetic below is
  // sampleAt's, operation for operation, so values stay bit-identical to metricValue().
  const seed = g.seed
  const base = g.base
  const amp = spec.amp
  const noiseAmp = spec.noise
  const lo = spec.min
  const hi = spec.max
  const integer = spec.integer === true
  const phase = g.phase
  let w = at
  for (let b = Math.floor(startSec / periodSec) * periodSec; b < endSec; b += periodSec) {
    let n = 0
    let sum = 0
    let min = Infinity
    let max = -Infinity
    if (needSamples) samples.length = 0
    const m0 = Math.ceil(Math.max(b, startSec, created) / SAMPLE_SECONDS)
    const m1 = Math.min(Math.ceil(Math.min(b + periodSec, endSec) / SAMPLE_SECONDS) - 1, lastVisibleMinute)
    if (simple && m0 + phase >= 0) {
      // Hot path: always running, so every minute has a sample; a running index into the diurnal table
      // replaces sampleAt's modulo.
      let di = (m0 + phase) % MINUTES_PER_DAY
      for (let m = m0; m <= m1; m++) {
        const diurnal = DIURNAL[di] ?? 0
        const noise = unit(hash2(seed, m)) * 2 - 1
        let v = base * (1 + amp * diurnal + noiseAmp * noise)
        if (v < lo) v = lo
        if (v > hi) v = hi
        v = integer ? roundHalfUp(v) : roundHalfUp(v * 10000) / 10000
        n++
        sum += v
        if (track) {
          if (v < min) min = v
          if (v > max) max = v
          if (needSamples) samples.push(v)
        }
        if (++di === MINUTES_PER_DAY) di = 0
      }
    } else {
      for (let m = m0; m <= m1; m++) {
        if (!simple && !publishesAt(r, m * SAMPLE_SECONDS)) continue
        const v = sampleAt(g, m)
        n++
        sum += v
        if (v < min) min = v
        if (v > max) max = v
        if (needSamples) samples.push(v)
      }
    }
    if (n === 0) continue
    let value: number
    switch (stat) {
      // Rounded to 1e-6 so float noise (12.340000000000002) neither leaks nor bloats the wire.
      case 'Average':
        value = roundHalfUp((sum / n) * 1e6) / 1e6
        break
      case 'Sum':
        value = roundHalfUp(sum * 1e6) / 1e6
        break
      case 'Minimum':
        value = min
        break
      case 'Maximum':
        value = max
        break
      case 'SampleCount':
        value = n
        break
      default:
        value = reduce(samples, stat)
    }
    ts[w] = b
    vs[w] = value
    w++
  }
  return w - at
}
