/**
 * Issue 18 (7): the RLS policies and grants, read as an attacker holding a cms_app connection (the role
 * every tenant request runs as — what a SQL injection in a tenant query would get).
 *
 *  - Catalogue: every table cms_app can read either has row-level security enabled and forced with a
 *    tenant policy, or is on a short allow-list of tenant-less tables (the plan catalogue, and three
 *    columns of `user`). A new table that forgets RLS fails here.
 *  - Finding (fixed by migration 20261202020000_cms_app_least_privilege): cms_app could read password
 *    hashes (auth_account), password-reset tokens (verification), sessions and the migration history,
 *    and rewrite every plan's limits. Now: permission denied.
 *  - Policies hold: another tenant's rows are invisible and cannot be written, no tenant set = no rows,
 *    and the members page's member → user (name, e-mail) read still works under RLS.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type pg from 'pg'
import { forTenant } from '@cms/db'
import { createTenant, createTestDatabase, type TestDatabase } from '@cms/db/testing'

let db: TestDatabase
let app: pg.Pool
let a: { id: string }
let b: { id: string }

beforeAll(async () => {
  db = await createTestDatabase()
  app = db.pool('cms_app')
  ;[a, b] = [await createTenant(db.worker, 'RLS A'), await createTenant(db.worker, 'RLS B')]
  for (const t of [a, b]) {
    const userId = randomUUID()
    await db.worker.user.create({ data: { id: userId, email: `${t.id}@rls.test`, name: `User ${t.id}` } })
    await db.worker.member.create({
      data: { id: randomUUID(), organizationId: t.id, userId, role: 'owner', createdAt: new Date() },
    })
    await db.worker.authAccount.create({
      data: {
        id: randomUUID(),
        userId,
        accountId: userId,
        providerId: 'credential',
        password: 'scrypt-hash-of-a-password',
        createdAt: new Date(),
        updatedAt: new Date(),
      },
    })
  }
}, 120_000)
// db.drop() ends the pools it handed out.
afterAll(async () => {
  await db?.drop()
})

/** Runs `sql` as cms_app inside a transaction with app.tenant_id = tenant (or none). */
async function asApp<T extends pg.QueryResultRow>(
  tenant: string | null,
  sql: string,
  params: unknown[] = [],
) {
  const c = await app.connect()
  try {
    await c.query('BEGIN')
    if (tenant) await c.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenant])
    return await c.query<T>(sql, params)
  } finally {
    await c.query('ROLLBACK').catch(() => {})
    c.release()
  }
}

describe('grants: what a cms_app connection can reach', () => {
  it('every table cms_app can read has RLS enabled and forced, or is an allow-listed tenant-less table', async () => {
    const r = await asApp<{ t: string; rls: boolean; force: boolean; policies: number }>(
      null,
      `SELECT n.nspname || '.' || c.relname AS t, c.relrowsecurity AS rls, c.relforcerowsecurity AS force,
              (SELECT count(*)::int FROM pg_policy p WHERE p.polrelid = c.oid) AS policies
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind IN ('r', 'p', 'v', 'm') AND n.nspname IN ('public', 'ts') AND NOT c.relispartition
         AND (has_table_privilege(c.oid, 'SELECT') OR has_any_column_privilege(c.oid, 'SELECT'))
       ORDER BY 1`,
    )
    const withoutRls = r.rows.filter((x) => !(x.rls && x.force && x.policies > 0)).map((x) => x.t)
    expect(withoutRls).toEqual(['public.plan', 'public.user'])
    expect(r.rows.length).toBeGreaterThan(20)
  })

  it('password hashes, reset tokens, sessions and migrations are out of reach; plans are read-only; user only id/name/email', async () => {
    for (const sql of [
      'SELECT password FROM auth_account',
      'SELECT value FROM verification',
      'SELECT token FROM session',
      'SELECT * FROM _prisma_migrations',
      `UPDATE plan SET limits = '{}'::jsonb`,
      `INSERT INTO plan (id, name, limits) VALUES ('evil', 'evil', '{}')`,
      'SELECT * FROM "user"',
      'SELECT image, locale FROM "user"',
      `UPDATE "user" SET email = 'attacker@evil.test'`,
    ])
      await expect(asApp(a.id, sql), sql).rejects.toThrow(/permission denied/)
    const plans = await asApp(a.id, 'SELECT id, limits FROM plan')
    expect(plans.rowCount).toBeGreaterThanOrEqual(0)
  })

  it("the members page's read (member → user name and e-mail) works under RLS and shows only the tenant's members", async () => {
    const members = await forTenant(db.app, a.id).member.findMany({
      where: {},
      include: { user: { select: { email: true, name: true } } },
    })
    expect(members.map((m) => m.user.email)).toEqual([`${a.id}@rls.test`])
  })
})

describe('policies: tenant isolation as cms_app', () => {
  it("another tenant's rows are invisible, cannot be written, and no tenant set means no rows", async () => {
    expect((await asApp(a.id, 'SELECT id FROM organization')).rows).toEqual([{ id: a.id }])
    expect((await asApp(null, 'SELECT id FROM organization')).rowCount).toBe(0)
    expect((await asApp(a.id, 'SELECT id FROM member WHERE organization_id = $1', [b.id])).rowCount).toBe(0)
    // Even naming B's id explicitly changes nothing; a write into B is refused by the policy's check.
    expect((await asApp(a.id, `UPDATE organization SET name = 'pwned' WHERE id = $1`, [b.id])).rowCount).toBe(
      0,
    )
    await expect(
      asApp(
        a.id,
        `INSERT INTO api_call_ledger (tenant_id, account_id, hour, api, operation, calls)
                   VALUES ($1, $2, now(), 'ec2', 'x', 1)`,
        [b.id, randomUUID()],
      ),
    ).rejects.toThrow(/row-level security|violates/)
    // A forged setting is just another tenant id: a malformed one is an error, not "all rows".
    await expect(asApp('not-a-uuid', 'SELECT id FROM organization')).rejects.toThrow(/uuid/)
  })
})
