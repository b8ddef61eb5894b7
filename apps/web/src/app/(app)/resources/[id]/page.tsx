import { Fragment } from 'react'
import { getFormatter, getTranslations } from 'next-intl/server'
import Link from 'next/link'
import { notFound } from 'next/navigation'
import { MetricChart } from '@/components/metric-chart'
import { getResource } from '@/server/inventory'
import { orNotFound, pageTenant } from '@/server/page-guard'

export const dynamic = 'force-dynamic'

export default async function ResourcePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params
  if (!/^[0-9a-f-]{36}$/i.test(id)) notFound()
  const t = await pageTenant('viewer')
  const [r, tr, f] = await Promise.all([
    orNotFound(getResource(t, id)),
    getTranslations('resource'),
    getFormatter(),
  ])
  const date = (s: string | null) =>
    s ? f.dateTime(new Date(s), { dateStyle: 'medium', timeStyle: 'short' }) : '—'
  return (
    <>
      <div className="small">
        <Link href="/inventory">← {tr('back')}</Link>
      </div>
      <h1 data-testid="resource-title">
        {r.name ?? r.nativeId} <span className={`pill s-${r.state}`}>{r.state}</span>
        {r.isNew ? (
          <>
            {' '}
            <span className="pill s-new">new</span>
          </>
        ) : null}
      </h1>
      <div className="grid">
        <div className="card">
          <dl className="kv">
            <dt>{tr('nativeId')}</dt>
            <dd className="mono">{r.nativeId}</dd>
            <dt>{tr('type')}</dt>
            <dd className="mono">{r.type}</dd>
            <dt>{tr('account')}</dt>
            <dd>
              <Link href={`/accounts/${r.accountId}`}>{r.accountName}</Link> ({r.cloud})
            </dd>
            <dt>{tr('region')}</dt>
            <dd>{r.region}</dd>
            <dt>{tr('state')}</dt>
            <dd>
              {r.state}
              {r.nativeState ? ` (${r.nativeState})` : ''}
            </dd>
            <dt>{tr('firstSeen')}</dt>
            <dd>{date(r.firstSeenAt)}</dd>
            <dt>{tr('lastSeen')}</dt>
            <dd>{date(r.lastSeenAt)}</dd>
          </dl>
        </div>
        <div className="card">
          <h2>{tr('attributes')}</h2>
          <dl className="kv">
            {Object.entries(r.attributes).map(([k, v]) => (
              <Fragment key={k}>
                <dt>{k}</dt>
                <dd className="mono">{typeof v === 'string' ? v : JSON.stringify(v)}</dd>
              </Fragment>
            ))}
          </dl>
        </div>
        <div className="card">
          <h2>{tr('tags')}</h2>
          {Object.keys(r.tags).length === 0 ? (
            <span className="muted">{tr('noTags')}</span>
          ) : (
            <dl className="kv">
              {Object.entries(r.tags).map(([k, v]) => (
                <Fragment key={k}>
                  <dt>{k}</dt>
                  <dd>{v}</dd>
                </Fragment>
              ))}
            </dl>
          )}
        </div>
      </div>
      <h2>{tr('metrics')}</h2>
      <MetricChart resourceId={r.id} metrics={r.metrics} />
    </>
  )
}
