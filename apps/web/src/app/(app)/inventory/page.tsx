import { CLOUD_KINDS, RESOURCE_STATES } from '@cms/core'
import { getFormatter, getTranslations } from 'next-intl/server'
import Link from 'next/link'
import { AutoRefresh } from '@/components/shell-controls'
import { resourceQuerySchema, type ResourceQuery } from '@/server/api/schemas'
import { inventoryFacets, listResources } from '@/server/inventory'
import { pageTenant } from '@/server/page-guard'

export const dynamic = 'force-dynamic'

type SP = Record<string, string | string[] | undefined>

export default async function InventoryPage({ searchParams }: { searchParams: Promise<SP> }) {
  const t = await pageTenant('viewer')
  const sp = await searchParams
  const raw = Object.fromEntries(
    Object.entries(sp).filter(([, v]) => typeof v === 'string' && v !== ''),
  ) as Record<string, string>
  const parsed = resourceQuerySchema.safeParse({ limit: '50', ...raw })
  // A bad filter in the URL shows the unfiltered list and the messages rather than an error page.
  const q: ResourceQuery = parsed.success ? parsed.data : resourceQuerySchema.parse({ limit: '50' })
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
  const [page, facets, tr, f, ta, tc] = await Promise.all([
    listResources(t, q),
    inventoryFacets(t),
    getTranslations('inventory'),
    getFormatter(),
    getTranslations('alerts'),
    getTranslations('clouds'),
  ])
  const offset = q.offset ?? 0
  const href = (over: Record<string, string | undefined>) => {
    const u = new URLSearchParams({ ...raw, ...over } as Record<string, string>)
    for (const [k, v] of [...u]) if (!v || v === 'undefined') u.delete(k)
    return `/inventory?${u.toString()}`
  }
  const sortLink = (key: ResourceQuery['sort'], label: string) => (
    <Link
      href={href({
        sort: key,
        order: q.sort === key && q.order === 'asc' ? 'desc' : 'asc',
        offset: undefined,
      })}
    >
      {label}
      {q.sort === key ? (q.order === 'asc' ? ' ▲' : ' ▼') : ''}
    </Link>
  )
  const sel = (name: string, label: string, options: { v: string; l: string }[]) => (
    <label>
      {label}
      <select name={name} defaultValue={raw[name] ?? ''}>
        <option value="">{tr('all')}</option>
        {options.map((o) => (
          <option key={o.v} value={o.v}>
            {o.l}
          </option>
        ))}
      </select>
    </label>
  )
  const now = new Date()
  return (
    <>
      <AutoRefresh seconds={15} />
      <h1>{tr('title')}</h1>
      <form className="filters" method="get" action="/inventory">
        <label>
          {tr('search')}
          <input name="q" defaultValue={raw.q ?? ''} data-testid="inventory-search" />
        </label>
        {sel(
          'cloud',
          tr('cloud'),
          CLOUD_KINDS.map((v) => ({ v, l: tc(v) })),
        )}
        {sel(
          'accountId',
          tr('account'),
          facets.accounts.map((a) => ({ v: a.id, l: a.name })),
        )}
        {sel(
          'region',
          tr('region'),
          facets.regions.map((v) => ({ v, l: v })),
        )}
        {sel(
          'type',
          tr('type'),
          facets.types.map((v) => ({ v, l: v })),
        )}
        {sel(
          'state',
          tr('state'),
          RESOURCE_STATES.map((v) => ({ v, l: v })),
        )}
        <label>
          {tr('tag')}
          <input name="tag" defaultValue={raw.tag ?? ''} />
        </label>
        <label className="row" style={{ flexDirection: 'row' }}>
          <input type="checkbox" name="new" value="1" defaultChecked={raw.new === '1'} /> {tr('onlyNew')}
        </label>
        <input type="hidden" name="sort" value={q.sort} />
        <input type="hidden" name="order" value={q.order} />
        <button type="submit">{tr('apply')}</button>
        <Link href="/inventory" className="small">
          {tr('clear')}
        </Link>
      </form>
      {problems.length ? (
        <div className="alert" style={{ marginBottom: 8 }}>
          {problems.join('; ')}
        </div>
      ) : null}
      <table data-testid="inventory-table">
        <thead>
          <tr>
            <th>{sortLink('name', tr('name'))}</th>
            <th>{sortLink('type', tr('type'))}</th>
            <th>{sortLink('state', tr('state'))}</th>
            <th>{sortLink('cloud', tr('cloud'))}</th>
            <th>{tr('account')}</th>
            <th>{sortLink('region', tr('region'))}</th>
            <th>{tr('tag')}</th>
            <th>{sortLink('firstSeenAt', tr('firstSeen'))}</th>
            <th>{sortLink('lastSeenAt', tr('lastSeen'))}</th>
          </tr>
        </thead>
        <tbody>
          {page.items.map((r) => (
            <tr key={r.id}>
              <td className="wrap">
                <Link href={`/resources/${r.id}`}>{r.name ?? r.nativeId}</Link>
                {r.isNew ? (
                  <>
                    {' '}
                    <span className="pill s-new">{tr('new')}</span>
                  </>
                ) : null}
                {r.monitored ? null : (
                  <>
                    {' '}
                    <span className="pill s-paused" data-testid="not-monitored">
                      {ta('notMonitored')}
                    </span>
                  </>
                )}
                <div className="small muted mono">{r.nativeId}</div>
              </td>
              <td className="mono">{r.type}</td>
              <td>
                <span className={`pill s-${r.state}`}>{r.state}</span>
              </td>
              <td>{tc(r.cloud)}</td>
              <td>{r.accountName}</td>
              <td>{r.region}</td>
              <td className="small muted wrap">
                {Object.entries(r.tags)
                  .slice(0, 3)
                  .map(([k, v]) => `${k}=${v}`)
                  .join(', ')}
              </td>
              <td className="small">{f.relativeTime(new Date(r.firstSeenAt), now)}</td>
              <td className="small">{f.relativeTime(new Date(r.lastSeenAt), now)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {page.items.length === 0 ? <div className="card muted">{tr('none')}</div> : null}
      <div className="row" style={{ marginTop: 8 }}>
        <span className="muted small" data-testid="inventory-count">
          {tr('showing', {
            from: page.total ? offset + 1 : 0,
            to: offset + page.items.length,
            total: f.number(page.total),
          })}
        </span>
        {offset > 0 ? (
          <Link href={href({ offset: String(Math.max(0, offset - q.limit)) })}>← {tr('prev')}</Link>
        ) : null}
        {offset + page.items.length < page.total ? (
          <Link href={href({ offset: String(offset + q.limit) })}>{tr('next')} →</Link>
        ) : null}
        <span className="muted small">· {tr('autoRefresh', { s: 15 })}</span>
      </div>
    </>
  )
}
