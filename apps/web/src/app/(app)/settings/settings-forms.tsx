'use client'
import { useFormatter, useTranslations } from 'next-intl'
import { useRouter } from 'next/navigation'
import { useState, type FormEvent } from 'react'
import { z } from 'zod'
import { Field } from '@/components/field'
import { apiFetch } from '@/lib/api-fetch'
import { authClient } from '@/lib/auth-client'

export function InviteForm({ organizationId }: { organizationId: string }) {
  const t = useTranslations('settings')
  const router = useRouter()
  const [errors, setErrors] = useState<Record<string, string>>({})
  const [link, setLink] = useState<string | null>(null)
  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault()
    const fd = new FormData(e.currentTarget)
    const parsed = z
      .object({ email: z.email('must be an e-mail address'), role: z.enum(['viewer', 'member', 'admin']) })
      .safeParse({ email: fd.get('email'), role: fd.get('role') })
    if (!parsed.success) return setErrors({ email: parsed.error.issues[0]?.message ?? 'invalid' })
    const r = await authClient.organization.inviteMember({
      email: parsed.data.email,
      role: parsed.data.role as 'member',
      organizationId,
    })
    if (r.error || !r.data) return setErrors({ email: r.error?.message ?? 'failed' })
    setErrors({})
    setLink(`${window.location.origin}/invite/${r.data.id}`)
    router.refresh()
  }
  return (
    <form className="stack" onSubmit={submit} noValidate style={{ marginTop: 12 }}>
      <h2>{t('invite')}</h2>
      <Field label={t('inviteEmail')} name="email" type="email" error={errors.email} />
      <label>
        {t('role')}
        <select name="role" defaultValue="member">
          <option value="viewer">viewer</option>
          <option value="member">member</option>
          <option value="admin">admin</option>
        </select>
      </label>
      <button type="submit">{t('invite')}</button>
      {link ? (
        <div className="notice small">
          {t('inviteLink')}
          <br />
          <code data-testid="invite-link">{link}</code>
        </div>
      ) : null}
    </form>
  )
}

interface Key {
  id: string
  name: string
  prefix: string
  scope: string
  createdAt: string
  lastUsedAt: string | null
  revokedAt: string | null
}

export function ApiKeys({ keys }: { keys: Key[] }) {
  const t = useTranslations('settings')
  const f = useFormatter()
  const router = useRouter()
  const [errors, setErrors] = useState<Record<string, string>>({})
  const [created, setCreated] = useState<string | null>(null)
  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault()
    const fd = new FormData(e.currentTarget)
    const r = await apiFetch<{ key: string }>('/api/internal/api-keys', {
      method: 'POST',
      body: { name: fd.get('name'), scope: fd.get('scope') },
    })
    if (!r.ok) return setErrors({ ...r.error.fields, _: r.error.message })
    setErrors({})
    setCreated(r.data.key)
    router.refresh()
  }
  return (
    <>
      <table>
        <tbody>
          {keys.map((k) => (
            <tr key={k.id}>
              <td>{k.name}</td>
              <td className="mono small">{k.prefix}_…</td>
              <td>
                <span className="pill">{k.scope}</span>
              </td>
              <td className="small">
                {t('lastUsed')}: {k.lastUsedAt ? f.relativeTime(new Date(k.lastUsedAt)) : t('never')}
              </td>
              <td>
                {k.revokedAt ? (
                  <span className="muted">{t('revoked')}</span>
                ) : (
                  <button
                    type="button"
                    className="danger"
                    onClick={async () => {
                      await apiFetch(`/api/internal/api-keys/${k.id}`, { method: 'DELETE' })
                      router.refresh()
                    }}
                  >
                    {t('revoke')}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form className="stack" onSubmit={submit} noValidate style={{ marginTop: 8 }}>
        <Field label={t('keyName')} name="name" error={errors.name} />
        <label>
          {t('scope')}
          <select name="scope" defaultValue="read">
            <option value="read">read</option>
            <option value="write">write</option>
          </select>
        </label>
        <button type="submit">{t('create')}</button>
        {created ? (
          <div className="notice small">
            {t('keyOnce')}
            <br />
            <code data-testid="new-api-key">{created}</code>
          </div>
        ) : null}
      </form>
    </>
  )
}
