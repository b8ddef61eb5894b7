/**
 * Raw SQL for tenant data that Prisma does not model well (ts.* time series, GROUP BY dashboards).
 * The raw-SQL twin of forTenant(): one transaction on a cms_app connection with app.tenant_id set, so
 * RLS scopes every statement even if a query forgets its `tenant_id = $1` (every query still has one).
 */
import type pg from 'pg'
import { services } from './services'

export type Sql = <R extends pg.QueryResultRow = pg.QueryResultRow>(
  text: string,
  params?: unknown[],
) => Promise<R[]>

export async function tenantQuery<T>(tenantId: string, fn: (sql: Sql) => Promise<T>): Promise<T> {
  const client = await services().pool.connect()
  try {
    await client.query('BEGIN READ ONLY')
    await client.query("SELECT set_config('app.tenant_id', $1, true)", [tenantId])
    // One connection runs one statement at a time: callers may Promise.all, we queue them here.
    let chain: Promise<unknown> = Promise.resolve()
    const sql: Sql = (text, params) => {
      const next = chain.then(async () => (await client.query(text, params)).rows)
      chain = next.catch(() => undefined)
      return next as never
    }
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
