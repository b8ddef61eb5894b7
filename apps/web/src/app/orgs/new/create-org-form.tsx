'use client'
import { useTranslations } from 'next-intl'
import { useRouter } from 'next/navigation'
import { useState, type FormEvent } from 'react'
import { z } from 'zod'
import { Field } from '@/components/field'
import { authClient } from '@/lib/auth-client'

const schema = z.object({
  name: z.string().trim().min(2, 'at least 2 characters').max(80, 'at most 80 characters'),
  slug: z
    .string()
    .trim()
    .regex(/^[a-z0-9](?:[a-z0-9-]{1,46}[a-z0-9])$/, 'lowercase letters, digits and dashes (3–48)'),
})

export function CreateOrgForm() {
  const t = useTranslations('org')
  const router = useRouter()
  const [errors, setErrors] = useState<Record<string, string>>({})
  const [slug, setSlug] = useState('')
  const [busy, setBusy] = useState(false)
  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault()
    const fd = new FormData(e.currentTarget)
    const parsed = schema.safeParse({ name: fd.get('name'), slug: fd.get('slug') })
    if (!parsed.success) {
      const out: Record<string, string> = {}
      for (const i of parsed.error.issues) out[String(i.path[0])] ??= i.message
      return setErrors(out)
    }
    setBusy(true)
    const r = await authClient.organization.create({ name: parsed.data.name, slug: parsed.data.slug })
    if (r.error || !r.data) {
      setBusy(false)
      return setErrors(
        r.error?.code?.includes('SLUG')
          ? { slug: r.error.message ?? 'taken' }
          : { _: r.error?.message ?? 'failed' },
      )
    }
    await authClient.organization.setActive({ organizationId: r.data.id })
    router.push('/overview')
    router.refresh()
  }
  return (
    <form className="stack" onSubmit={submit} noValidate>
      <Field
        label={t('name')}
        name="name"
        error={errors.name}
        onChange={(e) =>
          setSlug(
            e.target.value
              .toLowerCase()
              .replace(/[^a-z0-9]+/g, '-')
              .replace(/^-|-$/g, '')
              .slice(0, 48),
          )
        }
      />
      <Field
        label={t('slug')}
        name="slug"
        value={slug}
        onChange={(e) => setSlug(e.target.value)}
        error={errors.slug}
      />
      {errors._ ? <div className="alert">{errors._}</div> : null}
      <button type="submit" disabled={busy}>
        {t('create')}
      </button>
    </form>
  )
}
