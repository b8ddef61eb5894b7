import { getFormatter, getTranslations } from 'next-intl/server'
import { pageTenant } from '@/server/page-guard'
import { roleAtLeast } from '@/server/roles'
import { readPlan } from '@/server/plans'
import { ApiKeys, InviteForm } from './settings-forms'

export const dynamic = 'force-dynamic'

export default async function SettingsPage() {
  const t = await pageTenant('viewer')
  const [members, invitations, keys, tr, f] = await Promise.all([
    t.db.member.findMany({
      where: {},
      include: { user: { select: { email: true, name: true } } },
      orderBy: { createdAt: 'asc' },
    }),
    t.db.invitation.findMany({ where: { status: 'pending' }, orderBy: { createdAt: 'desc' } }),
    roleAtLeast(t.role, 'admin')
      ? t.db.apiKey.findMany({
          where: {},
          orderBy: { createdAt: 'desc' },
          select: {
            id: true,
            name: true,
            prefix: true,
            scope: true,
            createdAt: true,
            lastUsedAt: true,
            revokedAt: true,
          },
        })
      : Promise.resolve([]),
    getTranslations('settings'),
    getFormatter(),
  ])
  const admin = roleAtLeast(t.role, 'admin')
  const [plan, tp] = await Promise.all([readPlan(t), getTranslations('alerts')])
  const limitKeys = ['cloudAccounts', 'monitoredResources', 'alertRules', 'webhookEndpoints'] as const
  return (
    <>
      <h1>{tr('title')}</h1>
      <div className="card" data-testid="plan">
        <h2>{tp('planTitle')}</h2>
        <div>
          {tp('planName', { name: plan.planName })}
          {plan.subscription ? (
            <span className="muted small">
              {' '}
              · {plan.subscription.source} ({plan.subscription.status})
            </span>
          ) : null}
        </div>
        <table>
          <thead>
            <tr>
              <th />
              <th>{tp('used')}</th>
              <th>{tp('limit')}</th>
            </tr>
          </thead>
          <tbody>
            {limitKeys.map((k) => (
              <tr key={k}>
                <td>{tp(`limits.${k}`)}</td>
                <td>{plan.usage[k]}</td>
                <td>{plan.limits[k] ?? tp('unlimited')}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {plan.notMonitored > 0 ? (
          <div className="alert small">{tp('notMonitoredCount', { count: plan.notMonitored })}</div>
        ) : null}
      </div>
      <div className="grid">
        <div className="card">
          <h2>{tr('members')}</h2>
          <table>
            <tbody>
              {members.map((m) => (
                <tr key={m.id}>
                  <td>{m.user.name}</td>
                  <td className="small">{m.user.email}</td>
                  <td>
                    <span className="pill">{m.role}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {invitations.length ? (
            <>
              <h2 style={{ marginTop: 12 }}>{tr('pending')}</h2>
              <table>
                <tbody>
                  {invitations.map((i) => (
                    <tr key={i.id}>
                      <td>{i.email}</td>
                      <td>{i.role}</td>
                      <td className="mono small">/invite/{i.id}</td>
                      <td className="small">{f.dateTime(i.expiresAt, { dateStyle: 'short' })}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          ) : null}
          {admin ? <InviteForm organizationId={t.tenantId} /> : null}
        </div>
        {admin ? (
          <div className="card">
            <h2>{tr('apiKeys')}</h2>
            <ApiKeys
              keys={keys.map((k) => ({
                ...k,
                createdAt: k.createdAt.toISOString(),
                lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
                revokedAt: k.revokedAt?.toISOString() ?? null,
              }))}
            />
            <p className="small">
              <a href="/api/v1/openapi.json">{tr('openapi')}</a>
            </p>
          </div>
        ) : null}
      </div>
    </>
  )
}
