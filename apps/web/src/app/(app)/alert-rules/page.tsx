import { getTranslations } from 'next-intl/server'
import { listRules } from '@/server/alerts'
import { pageTenant } from '@/server/page-guard'
import { roleAtLeast } from '@/server/roles'
import { RuleActions, RuleForm } from './rule-forms'

export const dynamic = 'force-dynamic'

export default async function AlertRulesPage() {
  const t = await pageTenant('viewer')
  const [rules, tr] = await Promise.all([listRules(t), getTranslations('alerts')])
  const canEdit = roleAtLeast(t.role, 'member')
  return (
    <>
      <h1>{tr('rulesTitle')}</h1>
      <div className="card">
        <table>
          <thead>
            <tr>
              <th>{tr('name')}</th>
              <th>{tr('kind')}</th>
              <th>{tr('severity')}</th>
              <th>{tr('enabled')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {rules.map((r) => (
              <tr key={r.id}>
                <td>
                  {r.name}
                  <div className="small muted">{JSON.stringify(r.spec)}</div>
                </td>
                <td>{r.kind}</td>
                <td>
                  <span className={`pill sev-${r.severity}`}>{r.severity}</span>
                </td>
                <td>{r.enabled ? '✓' : '—'}</td>
                <td>{canEdit ? <RuleActions id={r.id} enabled={r.enabled} /> : null}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {canEdit ? (
        <div className="card">
          <h2>{tr('newRule')}</h2>
          <RuleForm />
        </div>
      ) : null}
    </>
  )
}
