'use client'
import { useTranslations } from 'next-intl'
import { useRouter } from 'next/navigation'
import { useState, type FormEvent } from 'react'
import { Field } from '@/components/field'
import { apiFetch } from '@/lib/api-fetch'

/** A metric-threshold rule (the common case); other kinds are created through the API. */
export function RuleForm() {
  const tr = useTranslations('alerts')
  const router = useRouter()
  const [errors, setErrors] = useState<Record<string, string>>({})
  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault()
    const v = Object.fromEntries([...new FormData(e.currentTarget)].map(([k, x]) => [k, String(x)]))
    const r = await apiFetch('/api/v1/alert-rules', {
      method: 'POST',
      body: {
        name: v.name,
        severity: v.severity,
        spec: {
          kind: 'metric_threshold',
          metric: v.metric,
          scope: { type: 'resource_type', resourceType: v.resourceType },
          comparison: v.comparison,
          threshold: Number(v.threshold),
        },
      },
    })
    if (!r.ok) return setErrors({ ...r.error.fields, _: r.error.message })
    setErrors({})
    router.refresh()
  }
  return (
    <form className="stack" onSubmit={submit} noValidate>
      <Field label={tr('name')} name="name" error={errors.name} />
      <Field label={tr('metric')} name="metric" defaultValue="CPUUtilization" error={errors['spec.metric']} />
      <Field
        label={tr('resourceType')}
        name="resourceType"
        defaultValue="ec2.instance"
        error={errors['spec.scope.resourceType']}
      />
      <label>
        {tr('comparison')}{' '}
        <select name="comparison" defaultValue="gt">
          {['gt', 'gte', 'lt', 'lte'].map((c) => (
            <option key={c}>{c}</option>
          ))}
        </select>
      </label>
      <Field label={tr('threshold')} name="threshold" defaultValue="80" error={errors['spec.threshold']} />
      <label>
        {tr('severity')}{' '}
        <select name="severity" defaultValue="warning">
          {['critical', 'error', 'warning', 'info'].map((c) => (
            <option key={c}>{c}</option>
          ))}
        </select>
      </label>
      {errors._ ? <div className="alert">{errors._}</div> : null}
      <button type="submit">{tr('create')}</button>
    </form>
  )
}

export function RuleActions({ id, enabled }: { id: string; enabled: boolean }) {
  const tr = useTranslations('alerts')
  const router = useRouter()
  const [error, setError] = useState('')
  const run = async (method: 'PATCH' | 'DELETE', body?: unknown) => {
    const r = await apiFetch(`/api/v1/alert-rules/${id}`, { method, ...(body ? { body } : {}) })
    if (!r.ok) return setError(r.error.message)
    router.refresh()
  }
  return (
    <span className="row">
      <button type="button" className="secondary" onClick={() => run('PATCH', { enabled: !enabled })}>
        {enabled ? tr('disable') : tr('enable')}
      </button>
      <button type="button" className="secondary" onClick={() => run('DELETE')}>
        {tr('delete')}
      </button>
      {error ? <span className="small alert">{error}</span> : null}
    </span>
  )
}
