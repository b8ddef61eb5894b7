'use client'
import { useTranslations } from 'next-intl'
import { useRouter } from 'next/navigation'
import { useEffect } from 'react'
import { authClient } from '@/lib/auth-client'

export function OrgSwitcher({ orgs, active }: { orgs: { id: string; name: string }[]; active: string }) {
  const t = useTranslations('nav')
  const router = useRouter()
  return (
    <label className="small muted">
      {t('organization')}
      <select
        data-testid="org-switch"
        value={active}
        onChange={async (e) => {
          if (e.target.value === '__new') return router.push('/orgs/new')
          await authClient.organization.setActive({ organizationId: e.target.value })
          router.push('/overview')
          router.refresh()
        }}
      >
        {orgs.map((o) => (
          <option key={o.id} value={o.id}>
            {o.name}
          </option>
        ))}
        <option value="__new">+ {t('newOrg')}</option>
      </select>
    </label>
  )
}

export function LogoutButton() {
  const t = useTranslations('nav')
  const router = useRouter()
  return (
    <button
      className="secondary"
      onClick={async () => {
        await authClient.signOut()
        router.push('/login')
        router.refresh()
      }}
    >
      {t('logout')}
    </button>
  )
}

/** Re-render the server page periodically so new resources and fresher data appear without a reload. */
export function AutoRefresh({ seconds }: { seconds: number }) {
  const router = useRouter()
  useEffect(() => {
    const id = setInterval(() => {
      if (document.visibilityState === 'visible') router.refresh()
    }, seconds * 1000)
    return () => clearInterval(id)
  }, [router, seconds])
  return null
}
