/**
 * Database clients. The process connects with one DATABASE_URL and switches, at connection start, to
 * one of two group roles created by the migrations:
 *   - `cms_app`    for request-serving code: row-level security applies (only app.tenant_id's rows);
 *   - `cms_worker` for cross-tenant work (scheduler, auth, admin commands): BYPASSRLS.
 * A bug that forgets a tenant filter under `cms_app` therefore returns nothing instead of B's rows.
 */
import { PrismaPg } from '@prisma/adapter-pg'
import pg from 'pg'
import { PrismaClient } from './generated/prisma/client'

export type DbRole = 'cms_app' | 'cms_worker'

export interface DbOptions {
  url: string
  role: DbRole
  /** Pool size per process. */
  max?: number
}

export function poolConfig({ url, role, max = 10 }: DbOptions): pg.PoolConfig {
  return { connectionString: url, options: `-c role=${role}`, max, idleTimeoutMillis: 30_000 }
}

export type Db = PrismaClient

export function createPrisma(opts: DbOptions): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg(poolConfig(opts)) })
}

/** A plain pg pool (for bulk time-series writes and raw reads), switched to `opts.role`. */
export function createPool(opts: DbOptions): pg.Pool {
  return new pg.Pool(poolConfig(opts))
}
