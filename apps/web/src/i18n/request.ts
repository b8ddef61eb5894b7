import { cookies, headers } from 'next/headers'
import { getRequestConfig } from 'next-intl/server'
import { LOCALE_COOKIE, pickLocale } from './config'
import en from './messages/en'
import ko from './messages/ko'

export default getRequestConfig(async () => {
  const locale = pickLocale(
    (await cookies()).get(LOCALE_COOKIE)?.value,
    (await headers()).get('accept-language'),
  )
  return { locale, messages: locale === 'ko' ? ko : en, timeZone: 'UTC' }
})
