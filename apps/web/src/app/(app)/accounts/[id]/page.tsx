import { getFormatter, getTranslations } from 'next-intl/server'
import { notFound } from 'next/navigation'
import { getAccount } from '@/server/accounts'
import { orNotFound, pageTenant } from '@/server/page-guard'
import { roleAtLeast } from '@/server/roles'
import { readUsage } from '@/server/usage'
import { AccountActions } from './account-actions'

export const dynamic = 'force-dynamic'

export default async function AccountPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params
  if (!/^[0-9a-f-]{36}$/i.test(id)) notFound()
  const t = await pageTenant('viewer')
  const [a, usage, tr, f] = await Promise.all([
    orNotFound(getAccount(t, id)),
    readUsage(t, {}),
    getTranslations('accounts'),
    getFormatter(),
  ])
  const u = usage.accounts.find((x) => x.accountId === id)
  const date = (s: string | null) =>
    s ? f.dateTime(new Date(s), { dateStyle: 'medium', timeStyle: 'short' }) : '—'
  return (
    <>
      <h1>
        {a.name}{' '}
        <span className={`pill s-${a.status}`} data-testid="account-status">
          {tr(`statuses.${a.status}`)}
        </span>
      </h1>
      <div className="grid">
        <div className="card">
          <dl className="kv">
            <dt>cloud</dt>
            <dd>
              {a.cloud} {a.nativeAccountId ?? ''}
            </dd>
            <dt>{tr('resources')}</dt>
            <dd>{f.number(a.resourceCount)}</dd>
            <dt>{tr('lastPoll')}</dt>
            <dd>{date(a.lastSuccessAt)}</dd>
            <dt>{tr('lastError')}</dt>
            <dd style={{ whiteSpace: 'normal' }}>
              {a.lastErrorCode ? `${a.lastErrorCode}: ${a.lastError ?? ''} (${date(a.lastErrorAt)})` : '—'}
            </dd>
            <dt>regions</dt>
            <dd>{a.regions.length ? a.regions.join(', ') : 'all enabled'}</dd>
          </dl>
        </div>
        <div className="card">
          <h2>{tr('credentials')}</h2>
          <dl className="kv">
            {Object.entries(a.credentials as Record<string, unknown>).map(([k, v]) => (
              <div key={k} style={{ display: 'contents' }}>
                <dt>{k}</dt>
                <dd className="mono">{Array.isArray(v) ? v.join(', ') : String(v)}</dd>
              </div>
            ))}
          </dl>
          <p className="small muted">{tr('secretsHidden')}</p>
        </div>
        <div className="card">
          <h2>{tr('apiCalls')}</h2>
          <div className="big">{f.number(u?.calls ?? 0)}</div>
          <div className="small muted">
            {tr('apiCost')}:{' '}
            {f.number(u?.costUsd ?? 0, { style: 'currency', currency: 'USD', maximumFractionDigits: 4 })}
          </div>
          <table>
            <tbody>
              {(u?.byApi ?? []).slice(0, 8).map((b) => (
                <tr key={`${b.api}.${b.operation}`}>
                  <td className="mono small">
                    {b.api}:{b.operation}
                  </td>
                  <td>{f.number(b.calls)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
      <AccountActions
        account={{ id: a.id, name: a.name, cloud: a.cloud, status: a.status, regions: a.regions }}
        canEdit={roleAtLeast(t.role, 'admin')}
        canVerify={roleAtLeast(t.role, 'member')}
      />
    </>
  )
}
