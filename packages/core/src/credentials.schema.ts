/**
 * Cloud credentials as a discriminated union (what the vault encrypts and what the `cms` CLI reads
 * from a file), and the sanitized view that is the only shape API and UI responses may carry.
 */
import { z } from 'zod'
import type { CloudKind } from './cloud'

const nonEmpty = z.string().trim().min(1)

export const awsAssumeRoleSchema = z.object({
  method: z.literal('assumeRole'),
  roleArn: z
    .string()
    .trim()
    .regex(
      /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/,
      'must be an IAM role ARN (arn:aws:iam::123456789012:role/Name)',
    ),
  externalId: z.string().trim().min(2).max(1224),
  /** Our own poller principal's keys. The web app takes these from server config, the CLI from the file. */
  accessKeyId: nonEmpty.optional(),
  secretAccessKey: nonEmpty.optional(),
})
export const awsAccessKeysSchema = z.object({
  method: z.literal('accessKeys'),
  accessKeyId: z
    .string()
    .trim()
    .regex(/^(AKIA|ASIA)[A-Z0-9]{12,}$/, 'must be an AWS access key id (AKIA…)'),
  secretAccessKey: z.string().trim().min(16, 'looks too short for a secret access key'),
  sessionToken: nonEmpty.optional(),
})
export const awsCredentialsSchema = z.discriminatedUnion('method', [awsAssumeRoleSchema, awsAccessKeysSchema])

const uuidish = z
  .string()
  .trim()
  .regex(/^[0-9a-fA-F-]{8,64}$/, 'must be a GUID')
export const azureServicePrincipalSchema = z.object({
  method: z.literal('servicePrincipal').default('servicePrincipal'),
  tenantId: uuidish,
  clientId: uuidish,
  clientSecret: nonEmpty,
  subscriptionIds: z.array(uuidish).min(1, 'at least one subscription id'),
})
export const azureCredentialsSchema = azureServicePrincipalSchema

export const gcpServiceAccountSchema = z.object({
  method: z.literal('serviceAccountKey').default('serviceAccountKey'),
  type: z.literal('service_account', { message: 'must be a service-account key (type "service_account")' }),
  project_id: nonEmpty.optional(),
  private_key_id: nonEmpty,
  private_key: z.string().includes('PRIVATE KEY', { message: 'must contain a PEM private key' }),
  client_email: z.email(),
  client_id: z.string().optional(),
  token_uri: z.string().optional(),
  projectIds: z
    .array(
      z
        .string()
        .trim()
        .regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'must be a GCP project id'),
    )
    .min(1),
})
export const gcpCredentialsSchema = gcpServiceAccountSchema

/** Naver Cloud Platform API gateway sites: public (ncloud.com), government (gov-ntruss) and financial (fin-ntruss). */
export const NCP_SITES = ['public', 'gov', 'fin'] as const
export type NcpSite = (typeof NCP_SITES)[number]
/**
 * A Naver Cloud sub-account's API key pair (Sub Account → API Gateway access). Keys issued since the
 * IAM v2 API are 28 characters with an `ncp_iam_` prefix (secrets too); older keys are 20 alphanumeric
 * characters and still valid (api.ncloud-docs.com, pub-iam-v2-sub-account-createaccesskey). We check
 * the shape loosely so a key NCP issues in a new format is not refused here (verify proves it).
 */
export const ncpSubAccountKeySchema = z.object({
  method: z.literal('subAccountKey').default('subAccountKey'),
  accessKey: z
    .string()
    .trim()
    .regex(
      /^(ncp_iam_)?[A-Za-z0-9]{16,64}$/,
      'must be an NCP access key id (letters and digits, optionally prefixed ncp_iam_)',
    ),
  secretKey: z.string().trim().min(20, 'looks too short for an NCP secret key'),
  site: z.enum(NCP_SITES).default('public'),
})
export const ncpCredentialsSchema = ncpSubAccountKeySchema

export type AwsCredentials = z.infer<typeof awsCredentialsSchema>
export type AzureCredentials = z.infer<typeof azureCredentialsSchema>
export type GcpCredentials = z.infer<typeof gcpCredentialsSchema>
export type NcpCredentials = z.infer<typeof ncpCredentialsSchema>

export interface CredentialsByCloud {
  aws: AwsCredentials
  azure: AzureCredentials
  gcp: GcpCredentials
  ncp: NcpCredentials
}
export type CloudCredentials = {
  [K in CloudKind]: { cloud: K; credentials: CredentialsByCloud[K] }
}[CloudKind]

export const credentialsSchemaByCloud = {
  aws: awsCredentialsSchema,
  azure: azureCredentialsSchema,
  gcp: gcpCredentialsSchema,
  ncp: ncpCredentialsSchema,
} as const satisfies Record<CloudKind, z.ZodType>

/** Parse credentials for a cloud; errors are zod issues (field paths, never values). */
export function parseCredentials<K extends CloudKind>(cloud: K, input: unknown): CredentialsByCloud[K] {
  return credentialsSchemaByCloud[cloud].parse(input) as CredentialsByCloud[K]
}

/** What may be shown about stored credentials: identifiers, never secrets. */
export type SanitizedCredentials =
  | { method: 'assumeRole'; roleArn: string; externalId: string }
  | { method: 'accessKeys'; accessKeyIdHint: string }
  | { method: 'servicePrincipal'; tenantId: string; clientId: string; subscriptionIds: string[] }
  | { method: 'serviceAccountKey'; clientEmail: string; projectIds: string[] }
  | { method: 'subAccountKey'; accessKeyHint: string; site: NcpSite }

const hint = (s: string) => `…${s.slice(-4)}`

export function sanitizeCredentials(c: CloudCredentials): SanitizedCredentials {
  switch (c.cloud) {
    case 'aws':
      return c.credentials.method === 'assumeRole'
        ? { method: 'assumeRole', roleArn: c.credentials.roleArn, externalId: c.credentials.externalId }
        : { method: 'accessKeys', accessKeyIdHint: hint(c.credentials.accessKeyId) }
    case 'azure':
      return {
        method: 'servicePrincipal',
        tenantId: c.credentials.tenantId,
        clientId: c.credentials.clientId,
        subscriptionIds: c.credentials.subscriptionIds,
      }
    case 'gcp':
      return {
        method: 'serviceAccountKey',
        clientEmail: c.credentials.client_email,
        projectIds: c.credentials.projectIds,
      }
    case 'ncp':
      return {
        method: 'subAccountKey',
        accessKeyHint: hint(c.credentials.accessKey),
        site: c.credentials.site,
      }
  }
}

/** Every secret-bearing field name, used by log redaction and by the secret-scan tests. */
export const SECRET_FIELD_NAMES = [
  'secretAccessKey',
  'secretKey',
  'sessionToken',
  'clientSecret',
  'private_key',
  'password',
  'apiKey',
  'token',
  'secret',
] as const
