'use client'
import { useLocale, useTranslations } from 'next-intl'
import { useRouter } from 'next/navigation'

export function LocaleSwitch() {
  const locale = useLocale()
  const router = useRouter()
  const t = useTranslations('nav')
  return (
    <label className="small muted">
      {t('language')}
      <select
        data-testid="locale-switch"
        value={locale}
        onChange={(e) => {
          document.cookie = `NEXT_LOCALE=${e.target.value}; path=/; max-age=31536000; samesite=lax`
          router.refresh()
        }}
      >
        <option value="en">English</option>
        <option value="ko">한국어</option>
      </select>
    </label>
  )
}
