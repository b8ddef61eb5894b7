import { describe, expect, it } from 'vitest'
import { hash2, hashString, fmix, Rng, unit } from './hash'
import { METRICS_BY_TYPE, type MetricSpec } from './metric-catalog'
import {
  aggregateBuckets,
  metricValue,
  roundNonNegative,
  stateAt,
  type Bucket,
  type Stat,
  type WorldLike,
} from './metrics'
import { buildWorld } from './scenarios'
import type { SimResource } from './types'

/**
 * The metric definition written the plain way (Math.round, Math.sin, one sample per minute, the
 * statistic over an array), as the simulator computed it before its hot paths: the optimized code
 * must return exactly these bits.
 */
function referenceSample(seed: number, r: SimResource, spec: MetricSpec, minute: number): number {
  const s = hashString(`${r.id}\u0000${spec.name}`, seed)
  const base = spec.baseLo + unit(s) * (spec.baseHi - spec.baseLo)
  const phase = Math.floor(unit(fmix(s ^ 0x2545f491)) * 1440)
  const diurnal = Math.sin((Math.PI * 2 * ((minute + phase) % 1440)) / 1440)
  const noise = unit(hash2(s, minute)) * 2 - 1
  let v = base * (1 + spec.amp * diurnal + spec.noise * noise)
  if (v < spec.min) v = spec.min
  if (v > spec.max) v = spec.max
  return spec.integer ? Math.round(v) : Math.round(v * 10000) / 10000
}

function referenceStat(samples: number[], stat: Stat): number {
  const n = samples.length
  let sum = 0
  for (const v of samples) sum += v
  switch (stat) {
    case 'Average':
      return Math.round((sum / n) * 1e6) / 1e6
    case 'Sum':
      return Math.round(sum * 1e6) / 1e6
    case 'Minimum':
      return Math.min(...samples)
    case 'Maximum':
      return Math.max(...samples)
    case 'SampleCount':
      return n
    default: {
      const sorted = [...samples].sort((a, b) => a - b)
      return sorted[Math.min(n - 1, Math.max(0, Math.ceil((Number(stat.slice(1)) / 100) * n) - 1))] ?? NaN
    }
  }
}

function reference(
  seed: number,
  r: SimResource,
  spec: MetricSpec,
  o: { startSec: number; endSec: number; periodSec: number; stat: Stat },
  nowSec: number,
): Bucket[] {
  const lastVisible = Math.floor((nowSec - 60) / 60) - 1
  const created = r.history[0]?.t ?? Infinity
  const out: Bucket[] = []
  for (let b = Math.floor(o.startSec / o.periodSec) * o.periodSec; b < o.endSec; b += o.periodSec) {
    const samples: number[] = []
    const m1 = Math.min(Math.ceil(Math.min(b + o.periodSec, o.endSec) / 60) - 1, lastVisible)
    for (let m = Math.ceil(Math.max(b, o.startSec, created) / 60); m <= m1; m++)
      if (stateAt(r, m * 60) === 'running') samples.push(referenceSample(seed, r, spec, m))
    if (samples.length > 0) out.push({ t: b, value: referenceStat(samples, o.stat) })
  }
  return out
}

describe('metric values', () => {
  it('aggregateBuckets and metricValue return exactly the reference definition', async () => {
    const world = await buildWorld({ scenario: 'minimal', seed: 11 })
    const now = Math.floor(world.nowSeconds() / 60) * 60 + 37
    const fixed: WorldLike = { seed: world.seed, resource: (id) => world.resource(id), nowSeconds: () => now }
    const aws = world.accounts.find((a) => a.cloud === 'aws')
    if (!aws) throw new Error('no aws account')
    // A resource created inside the windows, and one stopped and restarted inside them.
    const late = world.addResource({
      account: aws.nativeIds[0] ?? aws.id,
      region: 'us-east-1',
      type: 'ec2.instance',
      name: 'late',
      createdAt: now - 5 * 3600 - 17,
    })
    const flappy = world.addResource({
      account: aws.nativeIds[0] ?? aws.id,
      region: 'us-east-1',
      type: 'rds.instance',
      name: 'flappy',
      createdAt: now - 40 * 86400,
    })
    world.setState(flappy, 'stopped', now - 7 * 3600 + 90)
    world.setState(flappy, 'running', now - 3 * 3600 - 45)
    const resources = [...world.allResources()].filter((r) => METRICS_BY_TYPE[r.type]?.metrics.length)
    expect(resources.length).toBeGreaterThan(8)
    const stats: Stat[] = [
      'Average',
      'Sum',
      'Minimum',
      'Maximum',
      'SampleCount',
      'p50',
      'p90',
      'p99.9',
      'p100',
    ]
    // Periods where n divides 100 (the exact-sum path), where it does not, Sum over > 1000 samples, sub-minute.
    const periods = [60, 120, 240, 300, 600, 900, 1200, 1500, 3000, 3600, 6000, 60_000, 86_400, 1, 5, 30]
    const rng = new Rng(3)
    const mismatches: string[] = []
    let compared = 0
    for (const r of [...resources, late, flappy]) {
      for (const spec of METRICS_BY_TYPE[r.type]?.metrics ?? []) {
        for (let k = 0; k < 12; k++) {
          const periodSec = periods[rng.int(0, periods.length)] ?? 300
          const stat = stats[rng.int(0, stats.length)] ?? 'Average'
          const span = Math.min(periodSec * rng.int(1, 40), 3 * 86_400)
          const endSec = now - rng.int(0, 4) * 1800 + (k === 0 ? 0 : rng.int(-30, 30))
          const startSec = endSec - span - (k % 2 ? rng.int(0, 90) + 0.5 : 0)
          const o = { startSec, endSec, periodSec, stat }
          const got = aggregateBuckets(fixed, r.id, spec.name, o)
          const want = reference(world.seed, r, spec, o, now)
          compared += want.length
          if (
            JSON.stringify(got) !== JSON.stringify(want) ||
            got.some((b, i) => !Object.is(b.value, want[i]?.value))
          )
            mismatches.push(`${r.id} ${spec.name} ${JSON.stringify(o)}`)
        }
        for (let t = now - 6 * 3600; t < now; t += 599) {
          const v = metricValue(fixed, r.id, spec.name, t)
          const m = Math.floor(t / 60)
          const want =
            m * 60 + 120 > now || stateAt(r, m * 60) !== 'running'
              ? null
              : referenceSample(world.seed, r, spec, m)
          if (!Object.is(v, want)) mismatches.push(`${r.id} ${spec.name} sample ${t}`)
        }
      }
    }
    expect(mismatches).toEqual([])
    expect(compared).toBeGreaterThan(10_000)
  })

  it('roundNonNegative is Math.round on [0, 2^52)', () => {
    const rng = new Rng(9)
    const xs = [
      0,
      0.49999999999999994,
      0.5,
      0.5000000000000001,
      1.5,
      2.5,
      1 - 2 ** -53,
      2 ** 52 - 0.5,
      2 ** 52 - 1,
      4503599627370495.5,
      5e-324,
    ]
    for (let i = 0; i < 200_000; i++) {
      const x = rng.next() * 10 ** rng.int(-3, 16)
      if (x < 2 ** 52) xs.push(x, Math.floor(x) + 0.5, Math.floor(x) + 0.49999999999999994)
    }
    expect(xs.filter((x) => !Object.is(roundNonNegative(x), Math.round(x)))).toEqual([])
  })
})
