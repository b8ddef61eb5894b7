import { awsSetup } from '@/server/accounts'
import { pageTenant } from '@/server/page-guard'
import { Onboarding } from './onboarding'

export const dynamic = 'force-dynamic'

export default async function NewAccountPage() {
  const t = await pageTenant('admin')
  const setup = awsSetup(t.tenantId)
  return <Onboarding setup={setup} />
}
