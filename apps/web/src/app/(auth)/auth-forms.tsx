'use client'
import { useTranslations } from 'next-intl'
import Link from 'next/link'
import { useRouter, useSearchParams } from 'next/navigation'
import { useState, type FormEvent } from 'react'
import { z } from 'zod'
import { Field } from '@/components/field'
import { LocaleSwitch } from '@/components/locale-switch'
import { authClient } from '@/lib/auth-client'

type Errors = Record<string, string>

const signupSchema = z.object({
  name: z.string().trim().min(1, 'required').max(100),
  email: z.email('must be an e-mail address'),
  password: z.string().min(10, 'at least 10 characters').max(256),
})

function fieldsFrom(err: z.ZodError): Errors {
  const out: Errors = {}
  for (const i of err.issues) out[String(i.path[0] ?? '_')] ??= i.message
  return out
}

function formValues(e: FormEvent<HTMLFormElement>): Record<string, string> {
  return Object.fromEntries([...new FormData(e.currentTarget)].map(([k, v]) => [k, String(v)]))
}

/** better-auth's error codes → the field they concern. */
function serverFieldError(code: string | undefined, message: string | undefined): Errors {
  const m = message ?? 'failed'
  if (!code) return { _: m }
  if (code.includes('PASSWORD')) return { password: m }
  if (code.includes('EMAIL') || code.includes('USER_ALREADY')) return { email: m }
  return { _: m }
}

function Shell({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <div className="center">
      <div className="row" style={{ justifyContent: 'space-between', marginBottom: 16 }}>
        <div className="big">CMS</div>
        <LocaleSwitch />
      </div>
      <div className="card">
        <h1>{title}</h1>
        {children}
      </div>
    </div>
  )
}

export function SignupForm() {
  const t = useTranslations('auth')
  const router = useRouter()
  const search = useSearchParams()
  const [errors, setErrors] = useState<Errors>({})
  const [busy, setBusy] = useState(false)
  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault()
    const parsed = signupSchema.safeParse(formValues(e))
    if (!parsed.success) return setErrors(fieldsFrom(parsed.error))
    setBusy(true)
    const r = await authClient.signUp.email(parsed.data)
    if (r.error) {
      setBusy(false)
      return setErrors(serverFieldError(r.error.code, r.error.message))
    }
    // A marketplace buyer arrives with a signed claim: redeeming it makes them owner of their new organization.
    const claim = search.get('claim')
    if (claim) {
      const res = await fetch('/api/internal/claim', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ claim }),
      })
      setBusy(false)
      if (!res.ok)
        return setErrors({
          _:
            ((await res.json().catch(() => ({}))) as { error?: { message?: string } }).error?.message ??
            t('failed'),
        })
      router.push('/overview')
      return
    }
    setBusy(false)
    router.push('/orgs/new')
  }
  return (
    <Shell title={t('signup')}>
      <form className="stack" onSubmit={submit} noValidate>
        <Field label={t('name')} name="name" autoComplete="name" error={errors.name} />
        <Field label={t('email')} name="email" type="email" autoComplete="email" error={errors.email} />
        <Field
          label={t('password')}
          name="password"
          type="password"
          autoComplete="new-password"
          placeholder={t('passwordHint')}
          error={errors.password}
        />
        {errors._ ? <div className="alert">{errors._}</div> : null}
        <button type="submit" disabled={busy}>
          {t('signup')}
        </button>
        <span className="small muted">
          {t('haveAccount')} <Link href="/login">{t('login')}</Link>
        </span>
      </form>
    </Shell>
  )
}

export function LoginForm() {
  const t = useTranslations('auth')
  const router = useRouter()
  const [errors, setErrors] = useState<Errors>({})
  const [busy, setBusy] = useState(false)
  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault()
    const parsed = z
      .object({ email: z.email('must be an e-mail address'), password: z.string().min(1, 'required') })
      .safeParse(formValues(e))
    if (!parsed.success) return setErrors(fieldsFrom(parsed.error))
    setBusy(true)
    const r = await authClient.signIn.email(parsed.data)
    setBusy(false)
    if (r.error)
      return setErrors({ _: r.error.status === 429 ? (r.error.message ?? t('failed')) : t('failed') })
    router.push('/overview')
    router.refresh()
  }
  return (
    <Shell title={t('login')}>
      <form className="stack" onSubmit={submit} noValidate>
        <Field label={t('email')} name="email" type="email" autoComplete="email" error={errors.email} />
        <Field
          label={t('password')}
          name="password"
          type="password"
          autoComplete="current-password"
          error={errors.password}
        />
        {errors._ ? <div className="alert">{errors._}</div> : null}
        <button type="submit" disabled={busy}>
          {t('login')}
        </button>
        <span className="small">
          <Link href="/forgot-password">{t('forgot')}</Link>
        </span>
        <span className="small muted">
          {t('noAccount')} <Link href="/signup">{t('signup')}</Link>
        </span>
      </form>
    </Shell>
  )
}

export function ForgotForm() {
  const t = useTranslations('auth')
  const [errors, setErrors] = useState<Errors>({})
  const [sent, setSent] = useState(false)
  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault()
    const parsed = z.object({ email: z.email('must be an e-mail address') }).safeParse(formValues(e))
    if (!parsed.success) return setErrors(fieldsFrom(parsed.error))
    await authClient.requestPasswordReset({ email: parsed.data.email, redirectTo: '/reset-password' })
    setSent(true) // same answer whether or not the address exists
  }
  return (
    <Shell title={t('reset')}>
      <form className="stack" onSubmit={submit} noValidate>
        <Field label={t('email')} name="email" type="email" error={errors.email} />
        {sent ? <div className="notice">{t('resetSent')}</div> : null}
        <button type="submit">{t('sendReset')}</button>
        <Link className="small" href="/login">
          {t('login')}
        </Link>
      </form>
    </Shell>
  )
}

export function ResetForm() {
  const t = useTranslations('auth')
  const token = useSearchParams().get('token') ?? ''
  const [errors, setErrors] = useState<Errors>({})
  const [done, setDone] = useState(false)
  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault()
    const parsed = z
      .object({ password: z.string().min(10, 'at least 10 characters').max(256) })
      .safeParse(formValues(e))
    if (!parsed.success) return setErrors(fieldsFrom(parsed.error))
    const r = await authClient.resetPassword({ newPassword: parsed.data.password, token })
    if (r.error) return setErrors(serverFieldError(r.error.code, r.error.message))
    setDone(true)
  }
  return (
    <Shell title={t('reset')}>
      <form className="stack" onSubmit={submit} noValidate>
        <Field
          label={t('newPassword')}
          name="password"
          type="password"
          autoComplete="new-password"
          error={errors.password}
        />
        {errors._ ? <div className="alert">{errors._}</div> : null}
        {done ? (
          <div className="notice">
            {t('resetDone')} <Link href="/login">{t('login')}</Link>
          </div>
        ) : null}
        <button type="submit">{t('reset')}</button>
      </form>
    </Shell>
  )
}
