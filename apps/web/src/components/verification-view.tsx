'use client'
import { useTranslations } from 'next-intl'

export interface Verification {
  ok: boolean
  status: string
  identity?: string
  checks: { capability: string; permission: string; ok: boolean; code?: string; message?: string }[]
  regions: { enabled: string[]; disabled: string[] }
  message?: string
}

/** The outcome of a verify: which exact permission is missing, which regions are disabled. */
export function VerificationView({ v }: { v: Verification }) {
  const t = useTranslations('accounts')
  const failed = v.checks.filter((c) => !c.ok)
  return (
    <div className={v.ok ? 'notice' : 'alert'} data-testid="verification">
      <b>{v.ok ? t('verified') : t('verifyFailed')}</b>{' '}
      {v.identity ? <span className="mono">{v.identity}</span> : null}
      {/* The server's message summarizes the failed checks / disabled regions (for API clients); shown here only
          when nothing structured below explains the outcome, else every line appears twice (and untranslated). */}
      {v.message && failed.length === 0 && v.regions.disabled.length === 0 ? <div>{v.message}</div> : null}
      {failed.length ? (
        <ul>
          {failed.map((c) => (
            <li key={c.permission}>
              {t('missing')}: <code>{c.permission}</code> {c.code ? `(${c.code})` : ''} {c.message ?? ''}
            </li>
          ))}
        </ul>
      ) : null}
      {v.regions.disabled.length ? (
        <div>
          {t('disabledRegions')}: {v.regions.disabled.join(', ')}
        </div>
      ) : null}
    </div>
  )
}
