/**
 * What a tenant sets up in Naver Cloud before connecting it: a sub-account with API Gateway access
 * (Sub Account → "API 접근"/API Gateway access) holding NCP's system-managed read-only policies, and an
 * access key of that sub-account. The policy names are NCP's own (checked against the guides below); the
 * onboarding page and the OpenAPI description both read this list, so they cannot disagree.
 */
export interface NcpPolicy {
  /** NCP's system-managed policy name, exactly as the Sub Account console lists it. */
  policy: string
  /** What CMS reads with it (message key under onboarding.ncpCovers). */
  covers: 'servers' | 'vpc' | 'mysql' | 'metrics' | 'billing'
  /** Whether the policy is view-only (billing has no documented viewer policy). */
  readOnly: boolean
  doc: string
}

export const NCP_READ_POLICIES: readonly NcpPolicy[] = [
  {
    policy: 'NCP_VPC_SERVER_VIEWER',
    covers: 'servers',
    readOnly: true,
    doc: 'https://guide.ncloud-docs.com/docs/en/server-subaccount-vpc',
  },
  {
    policy: 'NCP_VPC_VIEWER',
    covers: 'vpc',
    readOnly: true,
    doc: 'https://guide-gov.ncloud-docs.com/docs/networking-vpc-vpcetc',
  },
  {
    policy: 'NCP_VPC_CLOUD_DB_FOR_MYSQL_VIEWER',
    covers: 'mysql',
    readOnly: true,
    doc: 'https://guide.ncloud-docs.com/docs/en/clouddbformysql-subaccount',
  },
  {
    policy: 'NCP_CLOUD_INSIGHT_VIEWER',
    covers: 'metrics',
    readOnly: true,
    doc: 'https://guide.ncloud-docs.com/docs/en/cloudinsight-cloudinsightsubaccount',
  },
  {
    // NCP documents no view-only policy for the billing API (Cost Explorer's viewer covers the console's
    // Cost Explorer only); the finance policy is the documented one. Without it costs stay empty and
    // inventory and metrics still work.
    policy: 'NCP_FINANCE_MANAGER',
    covers: 'billing',
    readOnly: false,
    doc: 'https://guide.ncloud-docs.com/docs/en/costexplorer-subaccount',
  },
]

export const NCP_POLICY_SUMMARY = NCP_READ_POLICIES.map((p) => p.policy).join(', ')
