import { getTranslations } from 'next-intl/server'
import { redirect } from 'next/navigation'
import { LocaleSwitch } from '@/components/locale-switch'
import { pageSession } from '@/server/page-guard'
import { CreateOrgForm } from './create-org-form'

export default async function NewOrgPage() {
  if (!(await pageSession())) redirect('/login')
  const t = await getTranslations('org')
  return (
    <div className="center">
      <div className="row" style={{ justifyContent: 'space-between', marginBottom: 16 }}>
        <div className="big">CMS</div>
        <LocaleSwitch />
      </div>
      <div className="card">
        <h1>{t('create')}</h1>
        <CreateOrgForm />
      </div>
    </div>
  )
}
