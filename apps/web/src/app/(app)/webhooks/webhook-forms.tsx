'use client'
import { useTranslations } from 'next-intl'
import { useRouter } from 'next/navigation'
import { useState, type FormEvent } from 'react'
import { Field } from '@/components/field'
import { apiFetch } from '@/lib/api-fetch'

const FORMATS = ['standard', 'slack', 'pagerduty', 'alertmanager'] as const

/** The signing secret exists in the browser only here, right after create/rotate. */
function SecretOnce({ secret }: { secret: string }) {
  const tr = useTranslations('alerts')
  return (
    <div className="alert" data-testid="signing-secret">
      {tr('secretOnce')} <code>{secret}</code>
    </div>
  )
}

export function WebhookForm() {
  const tr = useTranslations('alerts')
  const router = useRouter()
  const [format, setFormat] = useState<(typeof FORMATS)[number]>('standard')
  const [errors, setErrors] = useState<Record<string, string>>({})
  const [secret, setSecret] = useState('')
  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault()
    const v = Object.fromEntries([...new FormData(e.currentTarget)].map(([k, x]) => [k, String(x)]))
    const body = {
      format,
      name: v.name,
      ...(v.url ? { url: v.url } : {}),
      ...(format === 'pagerduty' ? { routingKey: v.routingKey } : {}),
    }
    const r = await apiFetch<{ signingSecret: string }>('/api/v1/webhooks', { method: 'POST', body })
    if (!r.ok) return setErrors({ ...r.error.fields, _: r.error.message })
    setErrors({})
    setSecret(r.data.signingSecret)
    router.refresh()
  }
  return (
    <form className="stack" onSubmit={submit} noValidate>
      <label>
        {tr('format')}{' '}
        <select
          name="format"
          value={format}
          onChange={(e) => setFormat(e.target.value as (typeof FORMATS)[number])}
        >
          {FORMATS.map((f) => (
            <option key={f} value={f}>
              {tr(`formats.${f}`)}
            </option>
          ))}
        </select>
      </label>
      <Field label={tr('name')} name="name" error={errors.name} />
      <Field label={tr('url')} name="url" type="url" error={errors.url} />
      {format === 'pagerduty' ? (
        <Field label={tr('routingKey')} name="routingKey" error={errors.routingKey} />
      ) : null}
      {errors._ ? <div className="alert">{errors._}</div> : null}
      <button type="submit">{tr('create')}</button>
      {secret ? <SecretOnce secret={secret} /> : null}
    </form>
  )
}

export function EndpointActions({
  id,
  status,
  needsAttention,
  admin,
}: {
  id: string
  status: string
  needsAttention: boolean
  admin: boolean
}) {
  const tr = useTranslations('alerts')
  const router = useRouter()
  const [msg, setMsg] = useState('')
  const [secret, setSecret] = useState('')
  const call = async (url: string, method: 'POST' | 'PATCH' | 'DELETE', body?: unknown) => {
    const r = await apiFetch<{ result?: { status: string }; signingSecret?: string }>(url, {
      method,
      ...(body ? { body } : {}),
    })
    if (!r.ok) return setMsg(r.error.message)
    if (r.data.result) setMsg(tr('testResult', { status: r.data.result.status }))
    if (r.data.signingSecret) setSecret(r.data.signingSecret)
    router.refresh()
  }
  return (
    <div className="row">
      {status === 'active' ? (
        <button type="button" onClick={() => call(`/api/v1/webhooks/${id}/test`, 'POST')}>
          {tr('sendTest')}
        </button>
      ) : null}
      {admin && status !== 'active' ? (
        <button
          type="button"
          onClick={() => call(`/api/v1/webhooks/${id}`, 'PATCH', { status: 'active', acknowledge: true })}
        >
          {tr('reenable')}
        </button>
      ) : null}
      {admin && needsAttention ? (
        <button
          type="button"
          className="secondary"
          onClick={() => call(`/api/v1/webhooks/${id}`, 'PATCH', { acknowledge: true })}
        >
          {tr('acknowledge')}
        </button>
      ) : null}
      {admin ? (
        <button
          type="button"
          className="secondary"
          onClick={() => call(`/api/v1/webhooks/${id}/rotate-secret`, 'POST', { graceHours: 24 })}
        >
          {tr('rotate')}
        </button>
      ) : null}
      {admin ? (
        <button type="button" className="secondary" onClick={() => call(`/api/v1/webhooks/${id}`, 'DELETE')}>
          {tr('delete')}
        </button>
      ) : null}
      {msg ? (
        <span className="small" data-testid="webhook-message">
          {msg}
        </span>
      ) : null}
      {secret ? <SecretOnce secret={secret} /> : null}
    </div>
  )
}

export function ReplayButton({ id }: { id: string }) {
  const tr = useTranslations('alerts')
  const router = useRouter()
  const [msg, setMsg] = useState('')
  return (
    <>
      <button
        type="button"
        className="secondary"
        onClick={async () => {
          const r = await apiFetch(`/api/v1/webhooks/deliveries/${id}/replay`, { method: 'POST' })
          if (!r.ok) setMsg(r.error.message)
          router.refresh()
        }}
      >
        {tr('replay')}
      </button>
      {msg ? <span className="small">{msg}</span> : null}
    </>
  )
}
