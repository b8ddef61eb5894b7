import { getTranslations } from 'next-intl/server'
import { endpointDeliveries, listEndpoints } from '@/server/alerts'
import { pageTenant } from '@/server/page-guard'
import { roleAtLeast } from '@/server/roles'
import { EndpointActions, ReplayButton, WebhookForm } from './webhook-forms'

export const dynamic = 'force-dynamic'

export default async function WebhooksPage() {
  const t = await pageTenant('viewer')
  const [endpoints, tr] = await Promise.all([listEndpoints(t), getTranslations('alerts')])
  const logs = await Promise.all(endpoints.map((e) => endpointDeliveries(t, e.id, 20)))
  const member = roleAtLeast(t.role, 'member')
  const admin = roleAtLeast(t.role, 'admin')
  return (
    <>
      <h1>{tr('webhooksTitle')}</h1>
      {endpoints.map((e, i) => (
        <div className="card" key={e.id} data-testid="webhook-endpoint">
          <h2>
            {e.name} <span className="pill">{tr(`formats.${e.format}`)}</span>{' '}
            {e.status !== 'active' ? <span className="pill s-error">{tr('disabled')}</span> : null}
          </h2>
          <div className="small muted">{e.urlView}</div>
          {e.needsAttention ? (
            <div className="alert">{tr('needsAttention', { reason: e.disabledReason ?? '' })}</div>
          ) : null}
          {member ? (
            <EndpointActions id={e.id} status={e.status} needsAttention={e.needsAttention} admin={admin} />
          ) : null}
          <h3>{tr('deliveries')}</h3>
          <table>
            <thead>
              <tr>
                <th>{tr('kind')}</th>
                <th>{tr('status')}</th>
                <th>{tr('attempts')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {(logs[i] ?? []).map((d) => (
                <tr key={d.id}>
                  <td className="small">
                    {d.eventType}
                    <div className="muted">{d.createdAt}</div>
                  </td>
                  <td>
                    <span className="pill">{d.status}</span>
                  </td>
                  <td className="small">
                    {d.attemptLog
                      .map((a) => `#${a.attempt} ${a.statusCode ?? a.error ?? ''} (${a.durationMs} ms)`)
                      .join(' · ')}
                  </td>
                  <td>
                    {member && d.status !== 'pending' && e.status === 'active' ? (
                      <ReplayButton id={d.id} />
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
      {admin ? (
        <div className="card">
          <h2>{tr('newWebhook')}</h2>
          <WebhookForm />
        </div>
      ) : null}
    </>
  )
}
