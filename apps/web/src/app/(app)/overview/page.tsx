import { getFormatter, getTranslations } from 'next-intl/server'
import Link from 'next/link'
import { BarList } from '@/components/bars'
import { AutoRefresh } from '@/components/shell-controls'
import { readOverview } from '@/server/overview'
import { pageTenant } from '@/server/page-guard'

export const dynamic = 'force-dynamic'

export default async function OverviewPage() {
  const t = await pageTenant('viewer')
  const [o, tr, ta, f, ta2] = await Promise.all([
    readOverview(t),
    getTranslations('overview'),
    getTranslations('accounts'),
    getFormatter(),
    getTranslations('alerts'),
  ])
  const now = new Date()
  const money = (n: number, c: string) =>
    f.number(n, { style: 'currency', currency: c, maximumFractionDigits: 2 })
  const num = (n: number) => f.number(n)
  return (
    <>
      <AutoRefresh seconds={15} />
      <h1>{tr('title')}</h1>
      {o.accounts.length === 0 ? (
        <div className="card" style={{ marginBottom: 12 }}>
          {tr('empty')} <Link href="/accounts/new">{tr('connect')} →</Link>
        </div>
      ) : null}
      <div className="grid">
        <div className="card">
          <h2>{tr('resources')}</h2>
          <div className="big" data-testid="total-resources">
            {num(o.totalResources)}
          </div>
          <div className="small muted">{tr('newResources', { count: o.newResources })}</div>
        </div>
        {/* One line per currency billed (NCP in KRW, the others in USD): amounts are never added across currencies. */}
        <div className="card">
          <h2>{tr('mtd')}</h2>
          {o.cost.length === 0 ? <div className="big">—</div> : null}
          {o.cost.map((c) => (
            <div key={c.currency}>
              <div className="big">{money(c.monthToDate, c.currency)}</div>
              <div className="small muted">
                {tr('sameSpan')}: {money(c.lastMonthSameSpan, c.currency)} · {tr('lastMonth')}:{' '}
                {money(c.lastMonth, c.currency)}
              </div>
            </div>
          ))}
        </div>
        <div className="card">
          <h2>{tr('forecast')}</h2>
          {o.cost.length === 0 ? <div className="big">—</div> : null}
          {o.cost.map((c) => (
            <div key={c.currency} className="big">
              {money(c.forecast, c.currency)}
            </div>
          ))}
        </div>
        <div className="card">
          <h2>{tr('freshness')}</h2>
          <div className="big" data-testid="freshness">
            {o.freshness.lastPolledAt
              ? tr('lastPolled', { ago: f.relativeTime(new Date(o.freshness.lastPolledAt), now) })
              : tr('neverPolled')}
          </div>
        </div>
        <div className="card">
          <h2>{tr('coverage')}</h2>
          <div className="big">
            {o.coverage.total ? f.number(o.coverage.monitored / o.coverage.total, { style: 'percent' }) : '—'}
          </div>
          <div className="small muted">
            {tr('coverageDetail', { monitored: o.coverage.monitored, total: o.coverage.total })}
          </div>
        </div>
        <div className="card">
          <h2>{tr('monitoringCost')}</h2>
          <div className="big">{money(o.monitoringCost.costUsd, 'USD')}</div>
          <div className="small muted">{tr('calls', { count: num(o.monitoringCost.calls) })}</div>
        </div>
      </div>
      <div className="grid">
        <div className="card">
          <h2>{tr('byCloud')}</h2>
          <BarList items={o.byCloud} format={num} />
        </div>
        <div className="card">
          <h2>{tr('byState')}</h2>
          <BarList items={o.byState} format={num} />
        </div>
        <div className="card">
          <h2>{tr('byRegion')}</h2>
          <BarList items={o.byRegion} format={num} />
        </div>
        <div className="card">
          <h2>{tr('byType')}</h2>
          <BarList items={o.byType} format={num} />
        </div>
      </div>
      <div className="grid">
        <div className="card">
          <h2>{tr('accountsHealth')}</h2>
          <table>
            <tbody>
              {o.accounts.map((a) => (
                <tr key={a.id}>
                  <td>
                    <Link href={`/accounts/${a.id}`}>{a.name}</Link>{' '}
                    <span className="muted small">{a.cloud}</span>
                  </td>
                  <td>
                    <span className={`pill s-${a.status}`}>{ta(`statuses.${a.status as 'ok'}`)}</span>
                  </td>
                  <td className="small muted">
                    {a.lastSuccessAt ? f.relativeTime(new Date(a.lastSuccessAt), now) : '—'}
                  </td>
                  <td className="small" title={a.lastError ?? ''}>
                    {a.lastErrorCode ?? ''}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div className="card">
          <h2>{tr('alerts')}</h2>
          {o.alerts.length === 0 ? (
            <div className="muted small">{tr('noAlerts')}</div>
          ) : (
            <ul className="small">
              {o.alerts.map((a) => (
                <li key={a.id}>
                  <span className={`pill sev-${a.severity}`}>{a.severity}</span>{' '}
                  <Link href="/alerts">{a.title}</Link> —{' '}
                  {a.resourceId ? (
                    <Link
                      href={`/resources/${a.resourceId}${a.metric ? `?metric=${encodeURIComponent(a.metric)}` : ''}`}
                    >
                      {a.summary}
                    </Link>
                  ) : (
                    a.summary
                  )}
                </li>
              ))}
            </ul>
          )}
          {o.planLimit.notMonitored > 0 ? (
            <div className="alert small">
              {ta2('notMonitoredCount', { count: o.planLimit.notMonitored })} <Link href="/settings">→</Link>
            </div>
          ) : null}
        </div>
      </div>
    </>
  )
}
