'use client'
import { useTranslations } from 'next-intl'
import { useRouter } from 'next/navigation'
import { useState } from 'react'
import { authClient } from '@/lib/auth-client'

export function AcceptInvitation({ id }: { id: string }) {
  const t = useTranslations('org')
  const router = useRouter()
  const [error, setError] = useState<string | null>(null)
  async function accept() {
    const r = await authClient.organization.acceptInvitation({ invitationId: id })
    if (r.error) return setError(r.error.message ?? 'failed')
    const orgId = (r.data as { invitation?: { organizationId?: string } } | null)?.invitation?.organizationId
    if (orgId) await authClient.organization.setActive({ organizationId: orgId })
    router.push('/overview')
    router.refresh()
  }
  return (
    <div className="stack">
      {error ? <div className="alert">{error}</div> : null}
      <button onClick={accept}>{t('accept')}</button>
    </div>
  )
}
