import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type pg from 'pg'
import { createTestDatabase, testVault, type TestDatabase } from '@cms/db/testing'
import { createResources, createTenantWithAccount } from '../testing/factories'
import { upsertPoints, type PointRow } from './points'
import { SeriesCache } from './series'
import { drainRollups, runRollups } from './rollups'
import { applyRetention, ensurePartitions } from './partitions'
import { inTransaction } from './tx'
import { pickResolution, readSeries } from './read'

let db: TestDatabase
let pool: pg.Pool
const vault = testVault()

beforeAll(async () => {
  db = await createTestDatabase()
  pool = db.pool('cms_worker')
})
afterAll(async () => db?.drop())

const tx = <T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> => inTransaction(pool, fn)

describe('storage', () => {
  it('two rollup jobs holding different buckets of one hour still write the whole hour', async () => {
    const { tenant, account } = await createTenantWithAccount(db.worker, vault)
    const [r] = await createResources(db.worker, tenant.id, account.id, 1)
    const ids = await tx((c) =>
      new SeriesCache().resolve(c, tenant.id, [{ resourceId: r!.id, metric: 'NetworkIn', stat: 'Sum' }]),
    )
    const sid = ids.get(`${r!.id}|NetworkIn|Sum`)!
    const hour = Date.UTC(2026, 10, 27, 14, 0, 0)
    // Twelve 5-minute buckets of one hour, one point per minute, value 1: the hour's count is 60.
    await tx((c) =>
      upsertPoints(
        c,
        tenant.id,
        account.id,
        Array.from({ length: 60 }, (_, i) => ({ seriesId: sid, ts: hour + i * 60_000, value: 1 })),
      ),
    )
    // Several jobs at once, each taking a few buckets (SKIP LOCKED hands them different ones).
    for (let round = 0; round < 10; round++) {
      const r = await Promise.all([1, 2, 3, 4].map(() => runRollups(pool, { batch: 3 })))
      if (r.every((x) => x.buckets === 0)) break
    }
    const h = await pool.query<{ count: string; sum: number }>(
      'SELECT count::text, sum FROM ts.metric_points_1h WHERE tenant_id = $1 AND series_id = $2',
      [tenant.id, sid],
    )
    expect(h.rows).toEqual([{ count: '60', sum: 60 }])
  })

  it('upserts points idempotently, keeps revised values, and maintains rollups', async () => {
    const { tenant, account } = await createTenantWithAccount(db.worker, vault)
    const [r1, r2] = await createResources(db.worker, tenant.id, account.id, 2)
    const cache = new SeriesCache()
    const ids = await tx((c) =>
      cache.resolve(c, tenant.id, [
        { resourceId: r1!.id, metric: 'CPUUtilization', stat: 'Average', unit: 'Percent' },
        { resourceId: r2!.id, metric: 'CPUUtilization', stat: 'Average', unit: 'Percent' },
      ]),
    )
    expect(ids.size).toBe(2)
    // A second resolve (fresh cache) finds the same ids.
    const again = await tx((c) =>
      new SeriesCache().resolve(c, tenant.id, [
        { resourceId: r1!.id, metric: 'CPUUtilization', stat: 'Average' },
      ]),
    )
    expect(again.get(`${r1!.id}|CPUUtilization|Average`)).toBe(ids.get(`${r1!.id}|CPUUtilization|Average`))

    const s1 = ids.get(`${r1!.id}|CPUUtilization|Average`)!
    const base = Date.UTC(2026, 10, 27, 10, 0, 0)
    const pts: PointRow[] = Array.from({ length: 120 }, (_, i) => ({
      seriesId: s1,
      ts: base + i * 60_000,
      value: i,
    }))
    expect(await tx((c) => upsertPoints(c, tenant.id, account.id, pts))).toBe(120)
    // Replay: nothing changes, nothing duplicates.
    expect(await tx((c) => upsertPoints(c, tenant.id, account.id, pts))).toBe(0)
    // Revised value for one point replaces it.
    expect(
      await tx((c) => upsertPoints(c, tenant.id, account.id, [{ seriesId: s1, ts: base, value: 1000 }])),
    ).toBe(1)
    const n = await pool.query('SELECT count(*)::int AS n FROM ts.metric_points WHERE tenant_id = $1', [
      tenant.id,
    ])
    expect(n.rows[0].n).toBe(120)

    await drainRollups(pool)
    const r5 = await pool.query(
      'SELECT ts, min, max, sum, count FROM ts.metric_points_5m WHERE series_id = $1 ORDER BY ts',
      [s1],
    )
    expect(r5.rows).toHaveLength(24)
    expect(r5.rows[0]).toMatchObject({ min: 1, max: 1000, sum: 1000 + 1 + 2 + 3 + 4, count: 5 })
    const r1h = await pool.query(
      'SELECT ts, min, max, sum, count FROM ts.metric_points_1h WHERE series_id = $1 ORDER BY ts',
      [s1],
    )
    expect(r1h.rows).toHaveLength(2)
    expect(r1h.rows[1]).toMatchObject({ min: 60, max: 119, count: 60 })
    // A replay of unchanged points dirties nothing; a late point dirties exactly its bucket, and the
    // next rollup recomputes it (not adds to it).
    const dirty = async () =>
      (
        await pool.query<{ bucket: Date }>('SELECT bucket FROM ts.rollup_dirty WHERE tenant_id = $1', [
          tenant.id,
        ])
      ).rows.map((r) => r.bucket.getTime())
    expect(await tx((c) => upsertPoints(c, tenant.id, account.id, pts.slice(1)))).toBe(0)
    expect(await dirty()).toEqual([])
    await tx((c) =>
      upsertPoints(c, tenant.id, account.id, [{ seriesId: s1, ts: base + 61 * 60_000, value: -5 }]),
    )
    expect(await dirty()).toEqual([base + 60 * 60_000])
    await drainRollups(pool)
    const late = await pool.query(
      'SELECT min, count FROM ts.metric_points_5m WHERE series_id = $1 AND ts = $2',
      [s1, new Date(base + 60 * 60_000)],
    )
    expect(late.rows[0]).toMatchObject({ min: -5, count: 5 })

    // Reads: raw for a short range; RLS-scoped under cms_app.
    const app = db.pool('cms_app')
    const read = await readSeries(app, {
      tenantId: tenant.id,
      seriesIds: [s1],
      from: new Date(base),
      to: new Date(base + 3600_000),
    })
    expect(read.resolution).toBe('raw')
    expect(read.points).toHaveLength(60)
    const other = await createTenantWithAccount(db.worker, vault)
    const leak = await readSeries(app, {
      tenantId: other.tenant.id,
      seriesIds: [s1],
      from: new Date(base),
      to: new Date(base + 3600_000),
    })
    expect(leak.points).toHaveLength(0)
    const hourly = await readSeries(app, {
      tenantId: tenant.id,
      seriesIds: [s1],
      from: new Date(base),
      to: new Date(base + 7200_000),
      resolution: '1h',
    })
    expect(hourly.points.map((p) => p.count)).toEqual([60, 60])
  })

  it('picks a resolution by range and age', () => {
    const now = new Date('2026-11-27T12:00:00Z')
    const ago = (h: number) => new Date(now.getTime() - h * 3600_000)
    expect(pickResolution(ago(3), now, { now })).toBe('raw')
    expect(pickResolution(ago(24), now, { now })).toBe('5m')
    expect(pickResolution(ago(24 * 7), now, { now })).toBe('1h')
    expect(pickResolution(ago(24 * 20), ago(24 * 20 - 2), { now })).toBe('5m')
    expect(pickResolution(ago(24 * 100), ago(24 * 100 - 2), { now })).toBe('1h')
  })

  it('series ids: cached per tenant, bounded, and the same ids after the cache starts over', async () => {
    const a = await createTenantWithAccount(db.worker, vault)
    const b = await createTenantWithAccount(db.worker, vault)
    const [r1, r2] = await createResources(db.worker, a.tenant.id, a.account.id, 2)
    const keys = ['CPUUtilization', 'NetworkIn', 'NetworkOut'].flatMap((metric) =>
      [r1!, r2!].map((r) => ({ resourceId: r.id, metric, stat: 'Average' })),
    )
    const cache = new SeriesCache(4)
    const first = await tx((c) => cache.resolve(c, a.tenant.id, keys))
    expect(first.size).toBe(6)
    expect(new Set(first.values()).size).toBe(6)
    expect(cache.size).toBeLessThanOrEqual(4)
    // Hits, misses after the reset, and a fresh cache all give the ids stored in the database.
    const again = await tx((c) => cache.resolve(c, a.tenant.id, keys))
    const fresh = await tx((c) => new SeriesCache().resolve(c, a.tenant.id, keys))
    expect(again).toEqual(first)
    expect(fresh).toEqual(first)
    const stored = await pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM metric_series WHERE tenant_id = $1',
      [a.tenant.id],
    )
    expect(stored.rows[0]!.n).toBe(6)
    // The same resource id under another tenant is not served from tenant a's entries.
    const other = await tx((c) =>
      cache.resolve(c, b.tenant.id, [{ resourceId: r1!.id, metric: 'CPUUtilization', stat: 'Average' }]),
    )
    expect(other.get(`${r1!.id}|CPUUtilization|Average`)).not.toBe(
      first.get(`${r1!.id}|CPUUtilization|Average`),
    )
  })

  it('creates a partition over rows already in the DEFAULT partition, and applies retention', async () => {
    const { tenant, account } = await createTenantWithAccount(db.worker, vault)
    const [r] = await createResources(db.worker, tenant.id, account.id, 1)
    const ids = await tx((c) =>
      new SeriesCache().resolve(c, tenant.id, [{ resourceId: r!.id, metric: 'm', stat: 'Average' }]),
    )
    const s = [...ids.values()][0]!
    // 40 days in the future: no partition yet → DEFAULT.
    const future = new Date(Date.now() + 40 * 86_400_000)
    const day = Date.UTC(future.getUTCFullYear(), future.getUTCMonth(), future.getUTCDate())
    await tx((c) =>
      upsertPoints(
        c,
        tenant.id,
        account.id,
        [0, 1, 2].map((i) => ({ seriesId: s, ts: day + i * 60_000, value: i })),
      ),
    )
    const inDefault = await pool.query(
      `SELECT tableoid::regclass::text AS part, count(*)::int AS n FROM ts.metric_points WHERE series_id = $1 GROUP BY 1`,
      [s],
    )
    expect(inDefault.rows).toEqual([{ part: 'ts.metric_points_default', n: 3 }])
    // The worker role (not the table owner) creates the partition; the rows move into it.
    expect(await ensurePartitions(pool, new Date(day), 1)).toBeGreaterThan(0)
    const moved = await pool.query(
      `SELECT tableoid::regclass::text AS part, count(*)::int AS n FROM ts.metric_points WHERE series_id = $1 GROUP BY 1`,
      [s],
    )
    expect(moved.rows).toEqual([
      { part: `ts.metric_points_${new Date(day).toISOString().slice(0, 10).replaceAll('-', '')}`, n: 3 },
    ])
    // Idempotent.
    expect(await ensurePartitions(pool, new Date(day), 1)).toBe(0)

    // Retention "as of" 20 days after those points drops their day partition.
    const dropped = await applyRetention(pool, new Date(day + 20 * 86_400_000))
    expect(dropped).toBeGreaterThan(0)
    const left = await pool.query('SELECT count(*)::int AS n FROM ts.metric_points WHERE series_id = $1', [s])
    expect(left.rows[0].n).toBe(0)
  })
})
