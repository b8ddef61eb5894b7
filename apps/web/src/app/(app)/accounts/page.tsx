import { getFormatter, getTranslations } from 'next-intl/server'
import Link from 'next/link'
import { listAccounts } from '@/server/accounts'
import { pageTenant } from '@/server/page-guard'
import { readUsage } from '@/server/usage'

export const dynamic = 'force-dynamic'

export default async function AccountsPage() {
  const t = await pageTenant('viewer')
  const [accounts, usage, tr, f] = await Promise.all([
    listAccounts(t),
    readUsage(t, {}),
    getTranslations('accounts'),
    getFormatter(),
  ])
  const byId = new Map(usage.accounts.map((u) => [u.accountId, u]))
  const now = new Date()
  return (
    <>
      <div className="row" style={{ justifyContent: 'space-between' }}>
        <h1>{tr('title')}</h1>
        {t.role === 'admin' || t.role === 'owner' ? (
          <Link href="/accounts/new" data-testid="connect-account">
            + {tr('add')}
          </Link>
        ) : null}
      </div>
      {accounts.length === 0 ? (
        <div className="card muted">{tr('none')}</div>
      ) : (
        <table data-testid="accounts-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>{tr('status')}</th>
              <th>{tr('resources')}</th>
              <th>{tr('lastPoll')}</th>
              <th>{tr('lastError')}</th>
              <th>{tr('apiCalls')}</th>
              <th>{tr('apiCost')}</th>
            </tr>
          </thead>
          <tbody>
            {accounts.map((a) => (
              <tr key={a.id}>
                <td>
                  <Link href={`/accounts/${a.id}`}>{a.name}</Link>{' '}
                  <span className="small muted">
                    {a.cloud} {a.nativeAccountId ?? ''}
                  </span>
                </td>
                <td>
                  <span className={`pill s-${a.status}`}>{tr(`statuses.${a.status}`)}</span>
                </td>
                <td>{f.number(a.resourceCount)}</td>
                <td className="small">
                  {a.lastSuccessAt ? f.relativeTime(new Date(a.lastSuccessAt), now) : '—'}
                </td>
                <td className="small" style={{ whiteSpace: 'normal', maxWidth: 380 }}>
                  {a.lastErrorCode ? (
                    <>
                      <b>{a.lastErrorCode}</b> {a.lastError}
                    </>
                  ) : (
                    '—'
                  )}
                </td>
                <td>{f.number(byId.get(a.id)?.calls ?? 0)}</td>
                <td>
                  {f.number(byId.get(a.id)?.costUsd ?? 0, {
                    style: 'currency',
                    currency: 'USD',
                    maximumFractionDigits: 4,
                  })}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  )
}
