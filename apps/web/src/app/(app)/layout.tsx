import { getTranslations } from 'next-intl/server'
import Link from 'next/link'
import type { ReactNode } from 'react'
import { LocaleSwitch } from '@/components/locale-switch'
import { LogoutButton, OrgSwitcher } from '@/components/shell-controls'
import { pageTenant } from '@/server/page-guard'
import { services } from '@/server/services'

export default async function AppLayout({ children }: { children: ReactNode }) {
  const t = await pageTenant('viewer')
  const tr = await getTranslations('nav')
  const userId = t.actor.type === 'user' ? t.actor.id : ''
  // Memberships cross tenants (they list the user's organizations), so this read runs as cms_worker.
  const memberships = await services().worker.member.findMany({
    where: { userId },
    select: { organization: { select: { id: true, name: true } } },
    orderBy: { createdAt: 'asc' },
  })
  const links = [
    ['/overview', tr('overview')],
    ['/inventory', tr('inventory')],
    ['/costs', tr('costs')],
    ['/alerts', tr('alerts')],
    ['/alert-rules', tr('alertRules')],
    ['/webhooks', tr('webhooks')],
    ['/accounts', tr('accounts')],
    ['/settings', tr('settings')],
  ] as const
  return (
    <div className="shell">
      <nav className="side">
        <div className="brand">CMS</div>
        {links.map(([href, label]) => (
          <Link key={href} className="nav" href={href}>
            {label}
          </Link>
        ))}
        <div className="bottom">
          <OrgSwitcher orgs={memberships.map((m) => m.organization)} active={t.tenantId} />
          <LocaleSwitch />
          <span className="small muted" data-testid="whoami">
            {t.actor.type === 'user' ? t.actor.email : ''} · {t.role}
          </span>
          <LogoutButton />
        </div>
      </nav>
      <main className="main">{children}</main>
    </div>
  )
}
