import { CLOUD_KINDS, NCP_SITES } from '@cms/core'
import { awsSetup } from '@/server/accounts'
import { NCP_READ_POLICIES } from '@/server/ncp-setup'
import { pageTenant } from '@/server/page-guard'
import { Onboarding } from './onboarding'

export const dynamic = 'force-dynamic'

export default async function NewAccountPage() {
  const t = await pageTenant('admin')
  const setup = awsSetup(t.tenantId)
  return (
    <Onboarding
      setup={setup}
      clouds={[...CLOUD_KINDS]}
      ncp={{ policies: [...NCP_READ_POLICIES], sites: [...NCP_SITES] }}
    />
  )
}
