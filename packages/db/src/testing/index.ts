/**
 * Test support: a real PostgreSQL database per test file, cloned from a migrated template.
 *
 * The template's name carries a hash of prisma/migrations, so it is built once per migration set
 * (under an advisory lock, so parallel test runs don't race) and each test file gets a cheap
 * `CREATE DATABASE … TEMPLATE` copy. Nothing here is used by production code.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { LocalKeyring, Vault, processEnv } from '@cms/core'
import { createPool, createPrisma, type DbRole } from '../client'
import { migrateDeploy } from '../migrate'
import { repoRoot } from '../paths'
import type { PrismaClient } from '../generated/prisma/client'

export const TEST_ADMIN_URL =
  processEnv().TEST_DATABASE_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres'

function withDatabase(url: string, name: string): string {
  const u = new URL(url)
  u.pathname = `/${name}`
  return u.toString()
}

function migrationsHash(): string {
  const dir = join(repoRoot(), 'prisma/migrations')
  const h = createHash('sha256')
  for (const name of readdirSync(dir).sort()) {
    if (name.endsWith('.toml')) continue
    h.update(name)
    h.update(readFileSync(join(dir, name, 'migration.sql')))
  }
  return h.digest('hex').slice(0, 12)
}

async function adminQuery<T extends pg.QueryResultRow = pg.QueryResultRow>(
  sql: string,
  params: unknown[] = [],
) {
  const client = new pg.Client({ connectionString: TEST_ADMIN_URL })
  await client.connect()
  try {
    return await client.query<T>(sql, params)
  } finally {
    await client.end()
  }
}

/** Ensure the migrated template exists; returns its name. */
export async function ensureTemplate(): Promise<string> {
  const name = `cms_tpl_${migrationsHash()}`
  const client = new pg.Client({ connectionString: TEST_ADMIN_URL })
  await client.connect()
  try {
    await client.query('SELECT pg_advisory_lock(7242001)')
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])
    if (exists.rowCount === 0) {
      const building = `${name}_build_${randomBytes(3).toString('hex')}`
      await client.query(`CREATE DATABASE "${building}"`)
      await migrateDeploy(withDatabase(TEST_ADMIN_URL, building))
      await client.query(`ALTER DATABASE "${building}" RENAME TO "${name}"`)
      await client.query(`ALTER DATABASE "${name}" WITH IS_TEMPLATE true`)
    }
    await client.query('SELECT pg_advisory_unlock(7242001)')
  } finally {
    await client.end()
  }
  return name
}

export interface TestDatabase {
  name: string
  url: string
  /** Prisma as cms_worker (cross-tenant, BYPASSRLS) */
  worker: PrismaClient
  /** Prisma as cms_app (RLS applies) */
  app: PrismaClient
  pool(role: DbRole): pg.Pool
  drop(): Promise<void>
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const template = await ensureTemplate()
  const name = `cms_test_${randomBytes(5).toString('hex')}`
  await adminQuery(`CREATE DATABASE "${name}" TEMPLATE "${template}"`)
  const url = withDatabase(TEST_ADMIN_URL, name)
  const worker = createPrisma({ url, role: 'cms_worker', max: 4 })
  const app = createPrisma({ url, role: 'cms_app', max: 4 })
  const pools: pg.Pool[] = []
  return {
    name,
    url,
    worker,
    app,
    pool(role) {
      const p = createPool({ url, role, max: 4 })
      pools.push(p)
      return p
    },
    async drop() {
      await Promise.all([worker.$disconnect(), app.$disconnect(), ...pools.map((p) => p.end())])
      // Clients that are still saying goodbye would get FORCE's termination as an unhandled error:
      // wait (briefly) until they are gone.
      for (let i = 0; i < 40; i++) {
        const r = await adminQuery<{ n: number }>(
          'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1',
          [name],
        )
        if (r.rows[0]!.n === 0) break
        await new Promise((res) => setTimeout(res, 50))
      }
      await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
    },
  }
}

export function testVault(spec = LocalKeyring.generateKeySpec('test1')): Vault {
  return new Vault(LocalKeyring.fromString(spec))
}

/** Factory: a tenant (organization). */
export async function createTenant(worker: PrismaClient, name = `Tenant ${randomBytes(2).toString('hex')}`) {
  return worker.organization.create({
    data: { id: randomUUID(), name, slug: `t-${randomBytes(6).toString('hex')}` },
  })
}
