import { getTranslations } from 'next-intl/server'
import Link from 'next/link'
import { pageSession } from '@/server/page-guard'
import { AcceptInvitation } from './accept'

export default async function InvitePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params
  const t = await getTranslations('org')
  const session = await pageSession()
  return (
    <div className="center card">
      <h1>{t('inviteTitle')}</h1>
      {session ? (
        <AcceptInvitation id={id} />
      ) : (
        <p>
          {t('loginFirst')} <Link href={`/login`}>→</Link>
        </p>
      )}
    </div>
  )
}
