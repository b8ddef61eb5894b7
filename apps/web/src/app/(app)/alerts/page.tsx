import { getFormatter, getTranslations } from 'next-intl/server'
import Link from 'next/link'
import { alertList } from '@/server/alerts'
import { pageTenant } from '@/server/page-guard'

export const dynamic = 'force-dynamic'

export default async function AlertsPage() {
  const t = await pageTenant('viewer')
  const [items, tr, f] = await Promise.all([
    alertList(t, { state: 'all', limit: 200 }),
    getTranslations('alerts'),
    getFormatter(),
  ])
  const now = new Date()
  const section = (title: string, rows: typeof items) => (
    <div className="card">
      <h2>{title}</h2>
      {rows.length === 0 ? (
        <div className="muted small">{tr('none')}</div>
      ) : (
        <table>
          <thead>
            <tr>
              <th>{tr('severity')}</th>
              <th>{tr('rule')}</th>
              <th>{tr('state')}</th>
              <th>{tr('resource')}</th>
              <th>{tr('since')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((a) => {
              const at = a.resolvedAt ?? a.firingSince ?? a.pendingSince
              return (
                <tr key={a.id}>
                  <td>
                    <span className={`pill sev-${a.severity}`}>{a.severity}</span>
                  </td>
                  <td>
                    {a.ruleName}
                    <div className="small muted">{a.summary}</div>
                  </td>
                  <td>
                    <span className="pill">{a.state}</span>
                  </td>
                  <td className="small">
                    {a.resourceId ? (
                      <>
                        <Link href={`/resources/${a.resourceId}`}>{a.labels.resource ?? a.resourceId}</Link>
                        {a.metric ? (
                          <>
                            {' '}
                            ·{' '}
                            <Link href={`/resources/${a.resourceId}?metric=${encodeURIComponent(a.metric)}`}>
                              {tr('chart')}
                            </Link>
                          </>
                        ) : null}
                      </>
                    ) : (
                      (a.labels.account ?? '—')
                    )}
                  </td>
                  <td className="small muted">{at ? f.relativeTime(new Date(at), now) : '—'}</td>
                </tr>
              )
            })}
          </tbody>
        </table>
      )}
    </div>
  )
  return (
    <>
      <h1>{tr('title')}</h1>
      {section(
        tr('active'),
        items.filter((a) => a.state === 'firing' || a.state === 'pending'),
      )}
      {section(
        tr('recent'),
        items.filter((a) => a.state === 'resolved'),
      )}
    </>
  )
}
