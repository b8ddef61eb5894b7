/**
 * The metric value function: every sample is a pure function of (world seed, resource id, metric,
 * minute), a diurnal sine plus hash noise, so any query is reproducible and other packages' tests can
 * compute the exact truth with the same exported functions. Nothing is stored per point.
 */
import { fmix, hash2, hashPair, unit } from './hash'
import { metricSpec, type MetricSpec } from './metric-catalog'
import type { SimResource, SimState } from './types'

/** Samples exist once per minute; a minute becomes visible this many seconds after it ends. */
export const SAMPLE_SECONDS = 60
export const INGEST_DELAY_SECONDS = 60

const TWO_PI = Math.PI * 2

/** One day of the diurnal sine, per minute (a table lookup is much cheaper than Math.sin on the hot path). */
const MINUTES_PER_DAY = 1440
const DIURNAL = Float64Array.from({ length: MINUTES_PER_DAY }, (_, m) =>
  Math.sin((TWO_PI * m) / MINUTES_PER_DAY),
)

/**
 * Math.round(x), bit for bit, but faster on the hot path: V8 lowers Math.round to ceil plus a
 * data-dependent branch that mispredicts about half the time on noisy samples (it was most of the cost of
 * a sample). For 0.5 ≤ x < 2^52, x + 0.5 is exact or lands in [2^e, 2^e + 0.5) when it crosses a
 * power of two, so floor(x + 0.5) equals Math.round(x); elsewhere (negatives, tiny, huge, NaN) defer to it.
 */
export function roundHalfUp(x: number): number {
  return x >= 0.5 && x < 4503599627370496 ? Math.floor(x + 0.5) : Math.round(x)
}

/** The largest double below 0.5: the one x in [0, 0.5) for which x + 0.5 rounds up to 1. */
const BELOW_HALF = 0.49999999999999994

/**
 * Math.round(x) for 0 ≤ x < 2^52 (the hot loops know their clamped samples are): roundHalfUp's
 * argument, with the one value below 0.5 where floor(x + 0.5) would be wrong singled out.
 */
export function roundNonNegative(x: number): number {
  return x === BELOW_HALF ? 0 : Math.floor(x + 0.5)
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
  const seed = hashPair(resourceId, spec.name, worldSeed)
  return {
    spec,
    seed,
    base: spec.baseLo + unit(seed) * (spec.baseHi - spec.baseLo),
    phase: Math.floor(unit(fmix(seed ^ 0x2545f491)) * MINUTES_PER_DAY),
  }
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
export function metricValue(
  world: WorldLike,
  resourceId: string,
  metric: string,
  tsSeconds: number,
): number | null {
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
  return (
    ['Average', 'Minimum', 'Maximum', 'Sum', 'SampleCount'].includes(s) || /^p(\d{1,2}(\.\d+)?|100)$/.test(s)
  )
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
  const g = seriesGen(worldSeed, r.id, spec)
  const first = r.history[0]
  if (r.history.length === 1 && first?.state === 'running' && opts.periodSec % SAMPLE_SECONDS === 0) {
    const n = aggregateAlwaysRunning(g, first.t, opts, nowSec, ts, vs, at)
    if (n >= 0) return n
  }
  return aggregateGeneral(g, r, opts, nowSec, ts, vs, at)
}

/** The definition, minute by minute: any history, any period. */
function aggregateGeneral(
  g: SeriesGen,
  r: SimResource,
  opts: { startSec: number; endSec: number; periodSec: number; stat: Stat },
  nowSec: number,
  ts: Float64Array,
  vs: Float64Array,
  at: number,
): number {
  const { periodSec, stat, startSec, endSec } = opts
  const lastVisibleMinute = Math.floor((nowSec - INGEST_DELAY_SECONDS) / SAMPLE_SECONDS) - 1
  const created = r.history[0]?.t ?? Infinity
  const samples: number[] = []
  let w = at
  for (let b = Math.floor(startSec / periodSec) * periodSec; b < endSec; b += periodSec) {
    samples.length = 0
    let sum = 0
    let min = Infinity
    let max = -Infinity
    const m0 = Math.ceil(Math.max(b, startSec, created) / SAMPLE_SECONDS)
    const m1 = Math.min(Math.ceil(Math.min(b + periodSec, endSec) / SAMPLE_SECONDS) - 1, lastVisibleMinute)
    for (let m = m0; m <= m1; m++) {
      if (!publishesAt(r, m * SAMPLE_SECONDS)) continue
      const v = sampleAt(g, m)
      sum += v
      if (v < min) min = v
      if (v > max) max = v
      samples.push(v)
    }
    const n = samples.length
    if (n === 0) continue
    ts[w] = b
    vs[w] = bucketValue(stat, n, sum, min, max, samples)
    w++
  }
  return w - at
}

/** A bucket's statistic from its samples (sum, extremes and, for percentiles, the samples themselves). */
function bucketValue(
  stat: Stat,
  n: number,
  sum: number,
  min: number,
  max: number,
  samples: number[],
): number {
  switch (stat) {
    // Rounded to 1e-6 so float noise (12.340000000000002) neither leaks nor bloats the wire.
    case 'Average':
      return roundHalfUp((sum / n) * 1e6) / 1e6
    case 'Sum':
      return roundHalfUp(sum * 1e6) / 1e6
    case 'Minimum':
      return min
    case 'Maximum':
      return max
    case 'SampleCount':
      return n
    default:
      return reduce(samples, stat)
  }
}

const INT32_LIMIT = 2 ** 31
const AVERAGE = 0
const SUM = 1
const EXTREME = 2
const COUNT = 3
const PERCENTILE = 4

/**
 * The hot path (GetMetricData's 500 series × 60 buckets): a resource running since `created`, a period
 * of whole minutes. Every minute from max(bucket, start, created) to min(bucket end, end, last
 * ingested) has a sample, so bucket bounds are integer minute arithmetic rather than divisions, and
 * the diurnal index runs on instead of sampleAt's modulo. The sample arithmetic is sampleAt's,
 * operation for operation, and the statistics are aggregateGeneral's (see the exact-sum note), so the
 * values are bit-identical to it. Returns −1 when it does not apply (minutes before 1970).
 */
function aggregateAlwaysRunning(
  g: SeriesGen,
  created: number,
  opts: { startSec: number; endSec: number; periodSec: number; stat: Stat },
  nowSec: number,
  ts: Float64Array,
  vs: Float64Array,
  at: number,
): number {
  const { periodSec, stat, startSec, endSec } = opts
  const { spec, seed, base, phase } = g
  const perBucket = periodSec / SAMPLE_SECONDS
  const mFirst = Math.max(Math.ceil(startSec / SAMPLE_SECONDS), Math.ceil(created / SAMPLE_SECONDS))
  const mLast = Math.min(
    Math.ceil(endSec / SAMPLE_SECONDS) - 1,
    Math.floor((nowSec - INGEST_DELAY_SECONDS) / SAMPLE_SECONDS) - 1,
  )
  // Minutes as int32 (V8 then keeps the loop counters and hash inputs in integer registers).
  if (!(mFirst >= 0 && mLast < INT32_LIMIT)) return -1
  // Clamped samples are then in [0, 2^52), where Math.round is roundNonNegative (cheaper still).
  if (!(spec.min >= 0 && spec.max < 2 ** 52)) return -1
  const kind =
    stat === 'Average'
      ? AVERAGE
      : stat === 'Sum'
        ? SUM
        : stat === 'Minimum' || stat === 'Maximum'
          ? EXTREME
          : stat === 'SampleCount'
            ? COUNT
            : PERCENTILE
  // Locals, not (polymorphic) spec fields, in the inner loops.
  const amp = spec.amp
  const noiseAmp = spec.noise
  const lo = spec.min
  const hi = spec.max
  const integer = spec.integer === true
  /** Samples with four decimals in [0, 100] (percentages, fractions): the exact-sum path applies. */
  const decimal4 = !integer && lo >= 0 && hi <= 100
  const samples: number[] = []
  let exactFor = -1
  let exactFactor = 0
  let nextM = NaN
  let nextDi = 0
  let w = at
  let b = Math.floor(startSec / periodSec) * periodSec
  for (let mb = b / SAMPLE_SECONDS; b < endSec; b += periodSec, mb += perBucket) {
    const m0d = mb > mFirst ? mb : mFirst
    const m1d = mb + perBucket - 1 < mLast ? mb + perBucket - 1 : mLast
    if (!(m1d >= m0d)) continue
    // Both within [mFirst, mLast], so int32.
    const m0 = m0d | 0
    const m1 = m1d | 0
    const n = m1 - m0 + 1
    if (kind === COUNT) {
      ts[w] = b
      vs[w] = n
      w++
      continue
    }
    let di = m0 === nextM ? nextDi : (m0 + phase) % MINUTES_PER_DAY
    let value: number
    if (n !== exactFor) {
      // Samples are u/1e4 for integers u in [0, 1e6], so Sum × 1e6 is exactly 100·Σu, and when n divides
      // 100, Average × 1e6 is exactly (100/n)·Σu. The float path's rounding errors stay far below 0.5
      // here (≤ 1000 samples ≤ 100 each: < 0.02 for Sum, < 1e-5 for Average), so its roundHalfUp lands on
      // that same integer: same value, without a division and a float add chain per sample.
      exactFactor = !decimal4
        ? 0
        : kind === SUM
          ? n <= 1000
            ? 100
            : 0
          : kind === AVERAGE && 100 % n === 0
            ? 100 / n
            : 0
      exactFor = n
    }
    if (exactFactor > 0) {
      let units = 0
      for (let m = m0; m <= m1; m++) {
        const diurnal = DIURNAL[di] ?? 0
        const noise = unit(hash2(seed, m)) * 2 - 1
        let v = base * (1 + amp * diurnal + noiseAmp * noise)
        if (v < lo) v = lo
        if (v > hi) v = hi
        units += roundNonNegative(v * 10000)
        if (++di === MINUTES_PER_DAY) di = 0
      }
      value = (units * exactFactor) / 1e6
    } else {
      let sum = 0
      let min = Infinity
      let max = -Infinity
      samples.length = 0
      for (let m = m0; m <= m1; m++) {
        const diurnal = DIURNAL[di] ?? 0
        const noise = unit(hash2(seed, m)) * 2 - 1
        let v = base * (1 + amp * diurnal + noiseAmp * noise)
        if (v < lo) v = lo
        if (v > hi) v = hi
        v = integer ? roundNonNegative(v) : roundNonNegative(v * 10000) / 10000
        sum += v
        // Extremes are data-dependent branches that mispredict: only when asked for.
        if (kind >= EXTREME) {
          if (v < min) min = v
          if (v > max) max = v
          if (kind === PERCENTILE) samples.push(v)
        }
        if (++di === MINUTES_PER_DAY) di = 0
      }
      value = bucketValue(stat, n, sum, min, max, samples)
    }
    nextM = m1 + 1
    nextDi = di
    ts[w] = b
    vs[w] = value
    w++
  }
  return w - at
}
