import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, createTenant, testVault, type TestDatabase } from './testing'
import { forTenant } from './tenant'
import { createCloudAccount } from './cloud-accounts'

let t: TestDatabase
let a: { id: string }
let b: { id: string }
const vault = testVault()

const awsKeys = {
  method: 'accessKeys',
  accessKeyId: 'AKIAABCDEFGHIJKLMNOP',
  secretAccessKey: 'abcdefghijklmnopqrstuvwx',
}

beforeAll(async () => {
  t = await createTestDatabase()
  a = await createTenant(t.worker, 'A')
  b = await createTenant(t.worker, 'B')
  for (const tenant of [a, b]) {
    const acct = await createCloudAccount(forTenant(t.worker, tenant.id), vault, tenant.id, {
      cloud: 'aws',
      name: `acct-${tenant.id}`,
      credentials: awsKeys,
    })
    await t.worker.resource.createMany({
      data: [1, 2, 3].map((i) => ({
        tenantId: tenant.id,
        accountId: acct.id,
        cloud: 'aws',
        region: 'us-east-1',
        type: 'ec2.instance',
        nativeId: `i-${i}`,
        state: 'running',
      })),
    })
  }
})
afterAll(() => t?.drop())

describe('tenant isolation', () => {
  it('application layer: forTenant scopes every query to its tenant', async () => {
    const dbA = forTenant(t.app, a.id)
    const rows = await dbA.resource.findMany({ where: { type: 'ec2.instance' } })
    expect(rows).toHaveLength(3)
    expect(rows.every((r) => r.tenantId === a.id)).toBe(true)
    expect(await dbA.cloudAccount.count({ where: {} })).toBe(1)
    const bAccount = await t.worker.cloudAccount.findFirstOrThrow({ where: { tenantId: b.id } })
    expect(await dbA.cloudAccount.findUnique({ where: { id: bAccount.id } })).toBeNull()
    // an update aimed at B's row through A's client touches nothing
    await expect(
      dbA.cloudAccount.update({ where: { id: bAccount.id }, data: { name: 'pwned' } }),
    ).rejects.toThrow()
    expect((await t.worker.cloudAccount.findUniqueOrThrow({ where: { id: bAccount.id } })).name).not.toBe(
      'pwned',
    )
  })

  it('application layer: refuses many-row operations without a where', async () => {
    const dbA = forTenant(t.app, a.id)
    await expect(dbA.resource.deleteMany()).rejects.toThrow(/without a where/)
    await expect(dbA.resource.findMany()).rejects.toThrow(/without a where/)
    expect(await t.worker.resource.count({ where: { tenantId: a.id } })).toBe(3)
  })

  it('database layer: RLS hides other tenants even when code forgets the filter', async () => {
    // Raw access as cms_app with tenant A set, and no tenant filter at all in the SQL.
    const pool = t.pool('cms_app')
    const client = await pool.connect()
    try {
      await client.query('BEGIN')
      await client.query("SELECT set_config('app.tenant_id', $1, true)", [a.id])
      const { rows } = await client.query('SELECT tenant_id FROM resource')
      expect(rows).toHaveLength(3)
      expect(new Set(rows.map((r) => r.tenant_id))).toEqual(new Set([a.id]))
      const upd = await client.query("UPDATE resource SET name = 'x' WHERE tenant_id = $1", [b.id])
      expect(upd.rowCount).toBe(0)
      await expect(
        client.query(
          "INSERT INTO audit_log (id, tenant_id, actor_type, action) VALUES ($1, $2, 'user', 'x')",
          [randomUUID(), b.id],
        ),
      ).rejects.toThrow(/row-level security/)
      await client.query('ROLLBACK')
      // No tenant set: nothing at all.
      const none = await client.query('SELECT count(*)::int AS n FROM resource')
      expect(none.rows[0].n).toBe(0)
    } finally {
      client.release()
    }
  })

  it('database layer: time-series tables are isolated too', async () => {
    const w = t.pool('cms_worker')
    await w.query(
      'INSERT INTO ts.metric_points (tenant_id, series_id, ts, value) VALUES ($1, 1, now(), 1), ($2, 2, now(), 2)',
      [a.id, b.id],
    )
    const client = await t.pool('cms_app').connect()
    try {
      await client.query('BEGIN')
      await client.query("SELECT set_config('app.tenant_id', $1, true)", [b.id])
      const { rows } = await client.query('SELECT series_id FROM ts.metric_points')
      expect(rows.map((r) => Number(r.series_id))).toEqual([2])
      await client.query('ROLLBACK')
    } finally {
      client.release()
    }
  })

  it('the app role cannot bypass RLS', async () => {
    const { rows } = await t
      .pool('cms_app')
      .query('SELECT rolbypassrls, rolsuper FROM pg_roles WHERE rolname = current_user')
    expect(rows[0]).toEqual({ rolbypassrls: false, rolsuper: false })
  })
})
