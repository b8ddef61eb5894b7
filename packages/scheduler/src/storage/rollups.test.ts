import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type pg from 'pg'
import { createCloudAccount, forTenant } from '@cms/db'
import { createTestDatabase, testVault, type TestDatabase } from '@cms/db/testing'
import { createResources, createTenantWithAccount } from '../testing/factories'
import { upsertPoints, type PointRow } from './points'
import { SeriesCache } from './series'
import { drainRollups, runRollups, spans } from './rollups'
import { inTransaction } from './tx'

let db: TestDatabase
let pool: pg.Pool
const vault = testVault()

beforeAll(async () => {
  db = await createTestDatabase()
  pool = db.pool('cms_worker')
})
afterAll(async () => db?.drop())

const tx = <T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> => inTransaction(pool, fn)

interface Agg {
  min: number
  max: number
  sum: number
  count: number
}

/** The rollups computed in plain code from the raw points: key `series|bucket start ms`. */
function expected(points: PointRow[], step: number): Map<string, Agg> {
  const out = new Map<string, Agg>()
  for (const p of points) {
    const k = `${p.seriesId}|${Math.floor(p.ts / step) * step}`
    const a = out.get(k)
    if (!a) out.set(k, { min: p.value, max: p.value, sum: p.value, count: 1 })
    else {
      a.min = Math.min(a.min, p.value)
      a.max = Math.max(a.max, p.value)
      a.sum += p.value
      a.count++
    }
  }
  return out
}

async function stored(table: string, tenantId: string): Promise<Map<string, Agg>> {
  const r = await pool.query<{ series_id: string; ts: Date } & Agg>(
    `SELECT series_id::text, ts, min, max, sum, count FROM ts.${table} WHERE tenant_id = $1`,
    [tenantId],
  )
  return new Map(
    r.rows.map((x) => [
      `${x.series_id}|${x.ts.getTime()}`,
      { min: x.min, max: x.max, sum: x.sum, count: x.count },
    ]),
  )
}

function expectSame(actual: Map<string, Agg>, want: Map<string, Agg>) {
  expect([...actual.keys()].sort()).toEqual([...want.keys()].sort())
  for (const [k, w] of want) {
    const a = actual.get(k)!
    expect({ k, min: a.min, max: a.max, count: a.count }).toEqual({
      k,
      min: w.min,
      max: w.max,
      count: w.count,
    })
    expect(a.sum).toBeCloseTo(w.sum, 6)
  }
}

describe('rollups', () => {
  it('spans: contiguous buckets merge, gaps split, long runs are cut', () => {
    const m = 300_000
    expect(spans([0, m, 2 * m, 5 * m, m], m)).toEqual([
      [0, 3 * m],
      [5 * m, 6 * m],
    ])
    expect(spans([0, m, 2 * m, 3 * m], m, 2)).toEqual([
      [0, 2 * m],
      [2 * m, 4 * m],
    ])
  })

  it('every 5-minute and hourly row equals min/max/sum/count of its raw points, over two accounts, gaps, revisions and late points', async () => {
    const { tenant, account } = await createTenantWithAccount(db.worker, vault)
    const second = await createCloudAccount(forTenant(db.worker, tenant.id), vault, tenant.id, {
      cloud: 'aws',
      name: 'second',
      credentials: {
        method: 'accessKeys',
        accessKeyId: 'AKIAROLLUPTEST00002',
        secretAccessKey: 'x'.repeat(40),
      },
      regions: ['us-east-1'],
    })
    // Another tenant's points in the same minutes must not leak into this tenant's rollups.
    const other = await createTenantWithAccount(db.worker, vault)
    const byAccount = new Map<string, string[]>()
    for (const [tid, aid] of [
      [tenant.id, account.id],
      [tenant.id, second.id],
      [other.tenant.id, other.account.id],
    ] as const) {
      const rs = await createResources(db.worker, tid, aid, 3)
      const ids = await tx((c) =>
        new SeriesCache().resolve(
          c,
          tid,
          rs.flatMap((r) =>
            ['CPUUtilization', 'NetworkIn'].map((metric) => ({ resourceId: r.id, metric, stat: 'Average' })),
          ),
        ),
      )
      byAccount.set(aid, [...ids.values()])
    }
    // 2.5 hours from 10:00, one point a minute per series with holes (every 7th minute of some series
    // missing) and values that differ per series and minute (negative ones too).
    const base = Date.UTC(2026, 10, 27, 10, 0, 0)
    const value = (s: number, i: number) => ((s * 37 + i * 11) % 97) - 20 + i / 8
    const all = new Map<string, PointRow[]>()
    for (const [aid, series] of byAccount) {
      const pts: PointRow[] = []
      series.forEach((sid, s) => {
        for (let i = 0; i < 150; i++) {
          if (s % 2 === 1 && i % 7 === 3) continue
          pts.push({ seriesId: sid, ts: base + i * 60_000, value: value(s, i) })
        }
      })
      all.set(aid, pts)
    }
    const write = async (tid: string, aid: string, pts: PointRow[]) =>
      tx((c) => upsertPoints(c, tid, aid, pts))
    // Written in three windows, rolled up between them (an hour is folded from buckets of several runs).
    for (const [from, to] of [
      [0, 40],
      [40, 95],
      [95, 150],
    ] as const) {
      for (const [aid, pts] of all) {
        const tid = aid === other.account.id ? other.tenant.id : tenant.id
        await write(
          tid,
          aid,
          pts.filter((p) => p.ts >= base + from * 60_000 && p.ts < base + to * 60_000),
        )
      }
      await runRollups(pool, { batch: 7 })
    }
    // A revised value (lower than the bucket's min) and a late point into a hole of an older hour.
    const a = all.get(account.id)!
    const revised = { ...a[5]!, value: -1000 }
    a[5] = revised
    const holeSeries = byAccount.get(account.id)![1]!
    const late = { seriesId: holeSeries, ts: base + 3 * 60_000, value: 5000 }
    a.push(late)
    await write(tenant.id, account.id, [revised, late])
    await drainRollups(pool)

    const mine = [...all.get(account.id)!, ...all.get(second.id)!]
    expectSame(await stored('metric_points_5m', tenant.id), expected(mine, 300_000))
    expectSame(await stored('metric_points_1h', tenant.id), expected(mine, 3600_000))
    expectSame(
      await stored('metric_points_1h', other.tenant.id),
      expected(all.get(other.account.id)!, 3600_000),
    )
    const left = await pool.query('SELECT count(*)::int AS n FROM ts.rollup_dirty WHERE tenant_id = $1', [
      tenant.id,
    ])
    expect(left.rows[0].n).toBe(0)
  })
})
