const en = {
  app: { name: 'CMS', tagline: 'Multi-cloud monitoring' },
  nav: { alerts: 'Alerts', alertRules: 'Alert rules', webhooks: 'Webhooks', overview: 'Overview', inventory: 'Inventory', costs: 'Costs', accounts: 'Accounts', settings: 'Settings', logout: 'Sign out', language: 'Language', organization: 'Organization', newOrg: 'New organization' },
  auth: {
    login: 'Sign in', signup: 'Create account', email: 'E-mail', password: 'Password', name: 'Name', forgot: 'Forgot password?',
    noAccount: 'No account yet?', haveAccount: 'Already have an account?', reset: 'Reset password', sendReset: 'Send reset link',
    resetSent: 'If the address exists, a reset link has been sent.', newPassword: 'New password', resetDone: 'Password changed. You can sign in now.',
    passwordHint: 'At least 10 characters', failed: 'Sign-in failed: check e-mail and password.',
  },
  org: {
    create: 'Create organization', name: 'Organization name', slug: 'URL name', created: 'Organization created', switch: 'Switch organization',
    inviteTitle: 'Invitation', accept: 'Accept invitation', accepted: 'Invitation accepted', loginFirst: 'Sign in with the invited e-mail to accept.',
  },
  overview: {
    title: 'Overview', resources: 'Resources', newResources: '{count} new in 24 h', byCloud: 'By cloud', byRegion: 'By region', byType: 'By type', byState: 'By state',
    accountsHealth: 'Accounts health', alerts: 'Active alerts', noAlerts: 'No active alerts.',
    mtd: 'Month to date', forecast: 'Forecast (month)', lastMonth: 'Last month', sameSpan: 'same days last month',
    freshness: 'Data freshness', lastPolled: 'last polled {ago}', neverPolled: 'not polled yet', coverage: 'Monitoring coverage',
    coverageDetail: '{monitored} of {total} resources have metrics', monitoringCost: 'Cost of monitoring (cloud API)', calls: '{count} API calls this month',
    empty: 'No cloud account connected yet.', connect: 'Connect a cloud account',
  },
  inventory: {
    title: 'Inventory', search: 'Search name or id', all: 'All', cloud: 'Cloud', account: 'Account', region: 'Region', type: 'Type', state: 'State', tag: 'Tag (key or key=value)',
    name: 'Name', lastSeen: 'Last seen', firstSeen: 'First seen', new: 'new', onlyNew: 'New only', apply: 'Apply', clear: 'Clear',
    showing: '{from}–{to} of {total}', prev: 'Previous', next: 'Next', none: 'No resources match.', autoRefresh: 'Auto-refresh every {s} s',
  },
  resource: {
    attributes: 'Attributes', tags: 'Tags', noTags: 'No tags', metrics: 'Metrics', noMetrics: 'No metrics collected for this resource yet.',
    range: 'Range', custom: 'Custom', from: 'From', to: 'To', noPoints: 'No data points in this range.', points: '{count} points · {step}', back: 'Inventory',
    nativeId: 'Native id', account: 'Account', state: 'State', region: 'Region', type: 'Type', firstSeen: 'First seen', lastSeen: 'Last seen',
  },
  costs: {
    title: 'Costs', dailyByService: 'Daily cost by service', mtd: 'Month to date', lastMonthSame: 'Last month, same days', lastMonth: 'Last month (full)',
    change: 'Change', service: 'Service', amount: 'Amount', filters: 'Filters', none: 'No cost data in this period.', total: 'Total', groupBy: 'Group by',
  },
  accounts: {
    title: 'Cloud accounts', add: 'Connect account', status: 'Status', lastError: 'Last error', lastPoll: 'Last poll', apiCalls: 'API calls (30 d)', apiCost: 'API cost (30 d)',
    resources: 'Resources', pause: 'Pause', resume: 'Resume', delete: 'Delete', verify: 'Verify now', deleteConfirm: 'Delete this account and its data?',
    retention: 'Resources, metric series and daily costs are deleted immediately; stored metric points are purged by retention (raw 14 days, rollups up to 13 months); the API-call ledger is kept for billing history.',
    save: 'Save', edit: 'Edit', credentials: 'Credentials', secretsHidden: 'Secrets are write-only and never shown. Enter new ones to replace them.', replace: 'Replace credentials',
    statuses: { pending: 'Pending', ok: 'Healthy', error: 'Error', paused: 'Paused' },
    none: 'No accounts yet.', verified: 'Verified', verifyFailed: 'Verification failed', missing: 'Missing permission', disabledRegions: 'Disabled regions',
  },
  onboarding: {
    title: 'Connect a cloud account', chooseCloud: 'Choose a cloud', step: 'Step {n}', name: 'Account name', regions: 'Regions (optional, comma-separated)',
    awsRole: 'IAM role (recommended)', awsKeys: 'Access keys (fallback)',
    awsIntro: 'Create a read-only role that trusts our principal with this ExternalId. The template contains the least-privilege policy.',
    principal: 'Our principal', externalId: 'ExternalId', download: 'Download CloudFormation template', quickCreate: 'Open quick-create in AWS console',
    policy: 'Least-privilege policy', roleArn: 'Role ARN', accessKeyId: 'Access key id', secretAccessKey: 'Secret access key',
    azureIntro: 'Create a service principal and grant it the Reader and Monitoring Reader roles (plus Cost Management Reader for costs) on each subscription.',
    tenantId: 'Directory (tenant) id', clientId: 'Application (client) id', clientSecret: 'Client secret', subscriptionIds: 'Subscription ids (comma-separated)',
    gcpIntro: 'Create a service account with roles/viewer, roles/monitoring.viewer and BigQuery Data Viewer on the billing export, and upload its JSON key.',
    keyFile: 'Service-account JSON key', projectIds: 'Project ids (comma-separated)',
    save: 'Save and verify', saving: 'Verifying…', done: 'Account connected', goInventory: 'Go to inventory', fixAndRetry: 'Fix the problem above and save again.',
  },
  settings: {
    title: 'Settings', members: 'Members', role: 'Role', invite: 'Invite', inviteEmail: 'E-mail to invite', inviteLink: 'Invitation link (share it; e-mail is sent when SMTP is configured)',
    pending: 'Pending invitations', apiKeys: 'API keys', keyName: 'Key name', scope: 'Scope', create: 'Create key', revoke: 'Revoke', revoked: 'revoked',
    keyOnce: 'Copy this key now — it is shown only once:', lastUsed: 'Last used', never: 'never', openapi: 'API documentation (OpenAPI 3.1)',
  },
  alerts: {
    title: 'Alerts', active: 'Active', recent: 'Resolved (7 days)', none: 'No alerts.', rule: 'Rule', state: 'State', since: 'Since', resource: 'Resource', chart: 'chart',
    rulesTitle: 'Alert rules', newRule: 'New metric rule', name: 'Name', metric: 'Metric', resourceType: 'Resource type', comparison: 'Comparison', threshold: 'Threshold',
    severity: 'Severity', enabled: 'Enabled', disable: 'Disable', enable: 'Enable', delete: 'Delete', create: 'Create', kind: 'Kind',
    webhooksTitle: 'Webhooks', newWebhook: 'New webhook endpoint', format: 'Format', url: 'URL', routingKey: 'PagerDuty routing key', status: 'Status',
    formats: { standard: 'Generic (Standard Webhooks)', slack: 'Slack', pagerduty: 'PagerDuty', alertmanager: 'Alertmanager' },
    secretOnce: 'Signing secret — copy it now, it will not be shown again:', sendTest: 'Send test', rotate: 'Rotate secret', deliveries: 'Delivery log',
    replay: 'Replay', attempts: 'Attempts', needsAttention: 'This endpoint was disabled automatically ({reason}). Fix the receiver, then re-enable it.',
    disabled: 'Disabled', reenable: 'Re-enable', acknowledge: 'Dismiss', testResult: 'Test: {status}', notMonitored: 'not monitored: plan limit',
    planTitle: 'Plan', planName: 'Current plan: {name}', limit: 'Limit', used: 'Used', unlimited: 'unlimited', notMonitoredCount: '{count} resources are inventoried but not monitored (plan limit).',
    limits: { cloudAccounts: 'Cloud accounts', monitoredResources: 'Monitored resources', alertRules: 'Alert rules', webhookEndpoints: 'Webhook endpoints' },
  },
  common: { loading: 'Loading…', error: 'Something went wrong', save: 'Save', cancel: 'Cancel', yes: 'Yes', no: 'No', created: 'Created', none: '—' },
} as const

type Widen<T> = { [K in keyof T]: T[K] extends string ? string : Widen<T[K]> }
export type Messages = Widen<typeof en>
export default en as Messages
