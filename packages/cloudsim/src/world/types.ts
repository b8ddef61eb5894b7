/** The simulated world's records: plain objects, compact, no per-point storage (values are computed). */

export type CloudKind = 'aws' | 'azure' | 'gcp' | 'ncp'

/** The same type names as NormalizedResource.type in packages/providers/src/contract.ts. */
export const RESOURCE_TYPES = [
  'ec2.instance',
  'rds.instance',
  'rds.cluster',
  'vpc',
  'subnet',
  'nat_gateway',
  'azure.vm',
  'azure.sql_server',
  'azure.sql_database',
  'azure.vnet',
  'gcp.instance',
  'gcp.sql_instance',
  'gcp.network',
  'ncp.server',
  'ncp.vpc',
  'ncp.nat_gateway',
  'ncp.mysql',
] as const
export type ResourceType = (typeof RESOURCE_TYPES)[number]

export const CLOUD_OF_TYPE: Record<ResourceType, CloudKind> = {
  'ec2.instance': 'aws',
  'rds.instance': 'aws',
  'rds.cluster': 'aws',
  vpc: 'aws',
  subnet: 'aws',
  nat_gateway: 'aws',
  'azure.vm': 'azure',
  'azure.sql_server': 'azure',
  'azure.sql_database': 'azure',
  'azure.vnet': 'azure',
  'gcp.instance': 'gcp',
  'gcp.sql_instance': 'gcp',
  'gcp.network': 'gcp',
  'ncp.server': 'ncp',
  'ncp.vpc': 'ncp',
  'ncp.nat_gateway': 'ncp',
  'ncp.mysql': 'ncp',
}

/** Lifecycle states the simulator tracks; each cloud renders them in its own words. */
export type SimState = 'pending' | 'running' | 'stopped' | 'terminated'

export interface StateChange {
  /** Epoch seconds (world clock). */
  t: number
  state: SimState
}

export interface SimResource {
  /** Native id as the cloud shows it: i-…, DB identifier, full ARM id, GCP numeric id, vpc-…, NCP instance no. */
  id: string
  cloud: CloudKind
  /** AWS account id, Azure subscription id, GCP project id, NCP memberNo. */
  account: string
  /** AWS region, Azure location, GCP region, NCP regionCode (KR, SGN, JPN). */
  region: string
  /** AZ / GCP zone when the type has one. */
  zone?: string
  type: ResourceType
  name: string
  tags: Record<string, string>
  /** Ascending; history[0] is the creation. */
  history: StateChange[]
  /** Type-specific attributes: instanceType, vpcId, cidr, engine, resourceGroup, machineType, … */
  attrs: Record<string, string | number | boolean>
}

export interface AwsKey {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
  /** The principal's account. */
  account: string
  arn: string
  userId: string
  /** Epoch ms; temporary credentials only. */
  expiresAt?: number
  revoked?: boolean
}

export interface AwsRole {
  roleArn: string
  account: string
  externalId: string
  /** Accounts whose principals may assume it (the trust policy). */
  trustedAccounts: string[]
  revoked?: boolean
}

export interface AzurePrincipal {
  tenantId: string
  clientId: string
  clientSecret: string
  subscriptionIds: string[]
  revoked?: boolean
}

export interface GcpServiceAccount {
  clientEmail: string
  clientId: string
  privateKeyId: string
  privateKeyPem: string
  publicKeyPem: string
  projectIds: string[]
  revoked?: boolean
}

/** An NCP (sub-)account API key: signature v2 is an HMAC with the secret, so both halves are stored. */
export interface NcpKey {
  accessKey: string
  secretKey: string
  /** The memberNo the key belongs to. */
  account: string
  site: 'public' | 'gov' | 'fin'
  revoked?: boolean
}

/** One credential bundle a tenant would paste into CMS, with the native accounts it reaches. */
export interface SimAccount {
  cloud: CloudKind
  /** Primary native id (AWS account id, first Azure subscription, first GCP project). */
  id: string
  name: string
  /** Every native id these credentials reach (Azure subscriptions, GCP projects). */
  nativeIds: string[]
  /** Regions where the account is enabled and has resources. */
  regions: string[]
  /** AWS only: opt-in regions this account has not enabled. */
  disabledRegions?: string[]
}
