/**
 * Raw SQL for tenant data that Prisma does not model well (ts.* time series, GROUP BY dashboards).
 * The raw-SQL twin of forTenant(): one transaction on a cms_app connection with app.tenant_id set, so
 * RLS scopes every statement even if a query forgets its `tenant_id = $1` (every query still has one).
 */
import type pg from 'pg'
import { services } from './services'

export type Sql = <R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, params?: unknown[]) => Promise<R[]>

export async function tenantQuery<T>(tenantId: string, fn: (sql: Sql) => Promise<T>): Promise<T> {
  const client = await services().pool.connect()
  try {
    await client.query('BEGIN READ ONLY')
    await client.query("SELECT set_config('app.tenant_id', $1, true)", [tenantId])
    const sql: Sql = async (text, params) => (await client.query(text, params)).rows
    const out = await fn(sql)
    await client.query('COMMIT')
    return out
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw e
  } finally {
    client.release()
  }
}
