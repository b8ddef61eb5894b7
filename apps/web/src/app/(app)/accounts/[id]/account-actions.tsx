'use client'
import { useTranslations } from 'next-intl'
import { useRouter } from 'next/navigation'
import { useState, type FormEvent } from 'react'
import { Field } from '@/components/field'
import { VerificationView, type Verification } from '@/components/verification-view'
import { apiFetch } from '@/lib/api-fetch'

interface Props {
  account: { id: string; name: string; cloud: string; status: string; regions: string[] }
  canEdit: boolean
  canVerify: boolean
}

export function AccountActions({ account, canEdit, canVerify }: Props) {
  const t = useTranslations('accounts')
  const router = useRouter()
  const [errors, setErrors] = useState<Record<string, string>>({})
  const [verification, setVerification] = useState<Verification | null>(null)
  const [creds, setCreds] = useState('')
  const url = `/api/v1/accounts/${account.id}`

  async function patch(body: Record<string, unknown>) {
    const r = await apiFetch(url, { method: 'PATCH', body })
    if (!r.ok) return setErrors({ ...r.error.fields, _: r.error.message })
    setErrors({})
    router.refresh()
  }
  async function save(e: FormEvent<HTMLFormElement>) {
    e.preventDefault()
    const fd = new FormData(e.currentTarget)
    const regions = String(fd.get('regions') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
    await patch({ name: String(fd.get('name') ?? ''), regions })
  }
  async function replaceCredentials() {
    let parsed: unknown
    try {
      parsed = JSON.parse(creds)
    } catch {
      return setErrors({ credentials: 'must be JSON' })
    }
    await patch({ credentials: parsed as Record<string, unknown> })
    setCreds('')
  }
  return (
    <div className="grid">
      <div className="card">
        <div className="row">
          {canVerify ? (
            <button
              type="button"
              className="secondary"
              onClick={async () => {
                const r = await apiFetch<Verification>(`${url}/verify`, { method: 'POST' })
                if (r.ok) setVerification(r.data)
                else setErrors({ _: r.error.message })
                router.refresh()
              }}
            >
              {t('verify')}
            </button>
          ) : null}
          {canEdit ? (
            account.status === 'paused' ? (
              <button type="button" onClick={() => patch({ paused: false })} data-testid="resume">
                {t('resume')}
              </button>
            ) : (
              <button
                type="button"
                className="secondary"
                onClick={() => patch({ paused: true })}
                data-testid="pause"
              >
                {t('pause')}
              </button>
            )
          ) : null}
          {canEdit ? (
            <button
              type="button"
              className="danger"
              onClick={async () => {
                if (!window.confirm(`${t('deleteConfirm')}\n\n${t('retention')}`)) return
                const r = await apiFetch(url, { method: 'DELETE' })
                if (r.ok) router.push('/accounts')
                else setErrors({ _: r.error.message })
              }}
            >
              {t('delete')}
            </button>
          ) : null}
        </div>
        <p className="small muted">{t('retention')}</p>
        {verification ? <VerificationView v={verification} /> : null}
        {errors._ ? <div className="alert">{errors._}</div> : null}
      </div>
      {canEdit ? (
        <div className="card">
          <h2>{t('edit')}</h2>
          <form className="stack" onSubmit={save} noValidate>
            <Field label="name" name="name" defaultValue={account.name} error={errors.name} />
            <Field
              label="regions"
              name="regions"
              defaultValue={account.regions.join(', ')}
              error={errors.regions ?? errors['regions.0']}
            />
            <button type="submit">{t('save')}</button>
          </form>
          <h2 style={{ marginTop: 12 }}>{t('replace')}</h2>
          <p className="small muted">{t('secretsHidden')}</p>
          <textarea
            rows={4}
            style={{ width: '100%' }}
            value={creds}
            onChange={(e) => setCreds(e.target.value)}
            placeholder='{"method":"accessKeys","accessKeyId":"AKIA…","secretAccessKey":"…"}'
          />
          {Object.entries(errors)
            .filter(([k]) => k.startsWith('credentials') || k === 'method')
            .map(([k, v]) => (
              <div key={k} className="field-error">
                {k}: {v}
              </div>
            ))}
          <button type="button" onClick={replaceCredentials} disabled={!creds}>
            {t('replace')}
          </button>
        </div>
      ) : null}
    </div>
  )
}
