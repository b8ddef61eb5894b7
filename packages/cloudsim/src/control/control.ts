/**
 * Control operations over a running simulator, available in-process (`startCloudSim().control`) and
 * over HTTP under /_sim/ (control-routes.ts): accounts with working credentials, resources, credential
 * revocation/rotation, faults, call counters, clock and page-size knobs.
 */
import { awsArn } from '../aws/tagging'
import { aggregateBuckets, isStat, stateAt, type Bucket } from '../world/metrics'
import {
  CLOUD_OF_TYPE,
  RESOURCE_TYPES,
  type CloudKind,
  type ResourceType,
  type SimAccount,
  type SimResource,
  type SimState,
} from '../world/types'
import { POLLER_ACCOUNT } from '../world/world'
import { DEFAULT_LIMITS, type CallRow, type FaultRule, type Sim, type SimLimits } from './sim'

export type AwsAccessKeysCredentials = { method: 'accessKeys'; accessKeyId: string; secretAccessKey: string }
export type AwsAssumeRoleCredentials = {
  method: 'assumeRole'
  roleArn: string
  externalId: string
  accessKeyId: string
  secretAccessKey: string
}
export type AzureCredentialsFile = {
  tenantId: string
  clientId: string
  clientSecret: string
  subscriptionIds: string[]
}
export type GcpCredentialsFile = {
  type: 'service_account'
  project_id: string
  private_key_id: string
  private_key: string
  client_email: string
  client_id: string
  token_uri: string
  projectIds: string[]
}

/** The cms credential format for NCP (packages/core ncpCredentialsSchema). */
export type NcpCredentials = {
  method: 'subAccountKey'
  accessKey: string
  secretKey: string
  site: 'public' | 'gov' | 'fin'
}

export type AccountView =
  | (AccountBase & {
      cloud: 'aws'
      credentials: { accessKeys: AwsAccessKeysCredentials; assumeRole: AwsAssumeRoleCredentials }
    })
  | (AccountBase & { cloud: 'azure'; credentials: AzureCredentialsFile })
  | (AccountBase & { cloud: 'gcp'; credentials: GcpCredentialsFile })
  | (AccountBase & { cloud: 'ncp'; credentials: NcpCredentials })

interface AccountBase {
  id: string
  name: string
  nativeIds: string[]
  regions: string[]
  disabledRegions?: string[]
}

export interface ResourceView {
  cloud: CloudKind
  account: string
  region: string
  zone?: string
  type: ResourceType
  id: string
  name: string
  state: SimState | 'absent'
  tags: Record<string, string>
  createdAt: string
  attrs: Record<string, string | number | boolean>
  /** AWS ARN where the type has one. */
  arn?: string
}

export interface CreateResourceInput {
  cloud?: CloudKind
  /** Native account id (AWS account, Azure subscription, GCP project). */
  account: string
  region: string
  type: string
  name: string
  tags?: Record<string, string>
  attrs?: Record<string, string | number | boolean>
  state?: SimState
}

export class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

export class SimControl {
  constructor(private readonly sim: Sim) {}

  get world() {
    return this.sim.world
  }

  /** Every simulated account with the credentials that work against it (cms CLI credential-file format). */
  accounts(): AccountView[] {
    return this.world.accounts.map((a) => this.accountView(a))
  }

  /** The principal CMS polls with (trusted by every account's role). */
  poller(): { accountId: string; accessKeyId: string; secretAccessKey: string } {
    const k = this.world.ensurePoller()
    return { accountId: POLLER_ACCOUNT, accessKeyId: k.accessKeyId, secretAccessKey: k.secretAccessKey }
  }

  private accountView(a: SimAccount): AccountView {
    const base: AccountBase = {
      id: a.id,
      name: a.name,
      nativeIds: a.nativeIds,
      regions: a.regions,
      ...(a.disabledRegions ? { disabledRegions: a.disabledRegions } : {}),
    }
    if (a.cloud === 'aws') {
      const key = [...this.world.awsKeys.values()].find(
        (k) => k.account === a.id && !k.sessionToken && !k.revoked,
      )
      const role = [...this.world.awsRoles.values()].find((r) => r.account === a.id)
      const poller = this.world.ensurePoller()
      return {
        ...base,
        cloud: 'aws',
        credentials: {
          accessKeys: {
            method: 'accessKeys',
            accessKeyId: key?.accessKeyId ?? '',
            secretAccessKey: key?.secretAccessKey ?? '',
          },
          assumeRole: {
            method: 'assumeRole',
            roleArn: role?.roleArn ?? '',
            externalId: role?.externalId ?? '',
            accessKeyId: poller.accessKeyId,
            secretAccessKey: poller.secretAccessKey,
          },
        },
      }
    }
    if (a.cloud === 'azure') {
      const p = [...this.world.azurePrincipals.values()].find((x) => x.subscriptionIds.includes(a.id))
      return {
        ...base,
        cloud: 'azure',
        credentials: {
          tenantId: p?.tenantId ?? '',
          clientId: p?.clientId ?? '',
          clientSecret: p?.clientSecret ?? '',
          subscriptionIds: p?.subscriptionIds ?? [],
        },
      }
    }
    if (a.cloud === 'ncp') {
      const k =
        [...this.world.ncpKeys.values()].find((x) => x.account === a.id && !x.revoked) ??
        [...this.world.ncpKeys.values()].find((x) => x.account === a.id)
      return {
        ...base,
        cloud: 'ncp',
        credentials: {
          method: 'subAccountKey',
          accessKey: k?.accessKey ?? '',
          secretKey: k?.secretKey ?? '',
          site: k?.site ?? 'public',
        },
      }
    }
    const sa =
      [...this.world.gcpServiceAccounts.values()].find((x) => x.projectIds.includes(a.id) && !x.revoked) ??
      [...this.world.gcpServiceAccounts.values()].find((x) => x.projectIds.includes(a.id))
    return {
      ...base,
      cloud: 'gcp',
      credentials: {
        type: 'service_account',
        project_id: a.id,
        private_key_id: sa?.privateKeyId ?? '',
        private_key: sa?.privateKeyPem ?? '',
        client_email: sa?.clientEmail ?? '',
        client_id: sa?.clientId ?? '',
        token_uri: 'https://oauth2.googleapis.com/token',
        projectIds: sa?.projectIds ?? [],
      },
    }
  }

  private findAccount(cloud: CloudKind, account: string): SimAccount {
    const a = this.world.account(cloud, account)
    if (!a) throw new ControlError(404, `no ${cloud} account ${account}`)
    return a
  }

  // ---- resources -------------------------------------------------------------------------------

  resources(
    filter: {
      cloud?: string
      account?: string
      region?: string
      type?: string
      includeTerminated?: boolean
    } = {},
  ): ResourceView[] {
    this.world.advance()
    const out: ResourceView[] = []
    for (const r of this.world.allResources()) {
      if (filter.cloud && r.cloud !== filter.cloud) continue
      if (filter.account && r.account !== filter.account) continue
      if (filter.region && r.region !== filter.region) continue
      if (filter.type && r.type !== filter.type) continue
      const v = this.view(r)
      if (!filter.includeTerminated && (v.state === 'terminated' || v.state === 'absent')) continue
      out.push(v)
    }
    return out
  }

  /** Counts per cloud / account / region / type of live resources. */
  summary(): {
    total: number
    byCloud: Record<string, number>
    rows: { cloud: string; account: string; region: string; type: string; count: number }[]
  } {
    const rows = new Map<
      string,
      { cloud: string; account: string; region: string; type: string; count: number }
    >()
    const byCloud: Record<string, number> = {}
    let total = 0
    const now = this.world.nowSeconds()
    for (const r of this.world.allResources()) {
      const s = stateAt(r, now)
      if (s === undefined || s === 'terminated') continue
      total++
      byCloud[r.cloud] = (byCloud[r.cloud] ?? 0) + 1
      const k = `${r.cloud}|${r.account}|${r.region}|${r.type}`
      const row = rows.get(k)
      if (row) row.count++
      else rows.set(k, { cloud: r.cloud, account: r.account, region: r.region, type: r.type, count: 1 })
    }
    return { total, byCloud, rows: [...rows.values()] }
  }

  view(r: SimResource): ResourceView {
    const arn = r.cloud === 'aws' ? awsArn(r) : undefined
    return {
      cloud: r.cloud,
      account: r.account,
      region: r.region,
      ...(r.zone ? { zone: r.zone } : {}),
      type: r.type,
      id: r.id,
      name: r.name,
      state: stateAt(r, this.world.nowSeconds()) ?? 'absent',
      tags: { ...r.tags },
      createdAt: new Date((r.history[0]?.t ?? 0) * 1000).toISOString(),
      attrs: { ...r.attrs },
      ...(arn ? { arn } : {}),
    }
  }

  createResource(input: CreateResourceInput): ResourceView {
    if (!(RESOURCE_TYPES as readonly string[]).includes(input.type))
      throw new ControlError(400, `unknown type ${input.type}; one of ${RESOURCE_TYPES.join(', ')}`)
    const type = input.type as ResourceType
    const cloud = CLOUD_OF_TYPE[type]
    if (input.cloud && input.cloud !== cloud) throw new ControlError(400, `type ${type} is a ${cloud} type`)
    const acct = this.findAccount(cloud, input.account)
    const account = acct.nativeIds.includes(input.account) ? input.account : (acct.nativeIds[0] ?? acct.id)
    if (!input.name) throw new ControlError(400, 'name is required')
    try {
      const r = this.world.addResource({
        account,
        region: input.region,
        type,
        name: input.name,
        tags: input.tags ?? { Name: input.name },
        ...(input.attrs ? { attrs: input.attrs } : {}),
        ...(input.state ? { state: input.state } : {}),
      })
      return this.view(r)
    } catch (e) {
      throw new ControlError(409, e instanceof Error ? e.message : String(e))
    }
  }

  setResourceState(id: string, state: SimState): ResourceView {
    const r = this.world.resource(id)
    if (!r) throw new ControlError(404, `no resource ${id}`)
    this.world.setState(r, state)
    return this.view(r)
  }

  // ---- credentials -----------------------------------------------------------------------------

  /** Revoke everything that reaches the account: keys, sessions and role trust / secret / key. Immediate. */
  revokeCredentials(cloud: CloudKind, account: string): void {
    const a = this.findAccount(cloud, account)
    if (cloud === 'aws') {
      for (const k of this.world.awsKeys.values()) if (k.account === a.id) k.revoked = true
      for (const r of this.world.awsRoles.values()) if (r.account === a.id) r.revoked = true
    } else if (cloud === 'azure') {
      for (const p of this.world.azurePrincipals.values())
        if (p.subscriptionIds.some((s) => a.nativeIds.includes(s))) p.revoked = true
    } else if (cloud === 'ncp') {
      for (const k of this.world.ncpKeys.values()) if (k.account === a.id) k.revoked = true
    } else {
      for (const sa of this.world.gcpServiceAccounts.values())
        if (sa.projectIds.some((s) => a.nativeIds.includes(s))) sa.revoked = true
    }
  }

  /**
   * Set the ExternalId the account's CMS role trusts — what a customer does when they paste the
   * ExternalId CMS shows into the role's trust policy (CloudFormation parameter). AssumeRole then
   * requires exactly this value. Returns the role ARN to enter in CMS.
   */
  setRoleExternalId(account: string, externalId: string): { roleArn: string; externalId: string } {
    if (!/^[\w+=,.@:/-]{2,1224}$/.test(externalId))
      throw new ControlError(400, 'externalId must be 2-1224 characters of [\\w+=,.@:/-]')
    const a = this.findAccount('aws', account)
    const role = [...this.world.awsRoles.values()].find((r) => r.account === a.id)
    if (!role) throw new ControlError(404, `no role in aws account ${account}`)
    role.externalId = externalId
    return { roleArn: role.roleArn, externalId }
  }

  /** Issue new secrets (the old ones stop working) and return the account with its new credentials. */
  async rotateCredentials(cloud: CloudKind, account: string): Promise<AccountView> {
    const a = this.findAccount(cloud, account)
    if (cloud === 'aws') {
      for (const k of this.world.awsKeys.values()) if (k.account === a.id && !k.sessionToken) k.revoked = true
      this.world.newAwsUserKey(a.id, 'cms-readonly')
      for (const r of this.world.awsRoles.values()) if (r.account === a.id) r.revoked = false
    } else if (cloud === 'azure') {
      for (const p of this.world.azurePrincipals.values()) {
        if (!p.subscriptionIds.some((s) => a.nativeIds.includes(s))) continue
        p.clientSecret = `sim~${this.world.rng.hex(36)}`
        p.revoked = false
      }
    } else if (cloud === 'ncp') {
      for (const k of this.world.ncpKeys.values()) if (k.account === a.id) k.revoked = true
      this.world.newNcpKey(a.id)
    } else {
      const old = [...this.world.gcpServiceAccounts.values()].filter((sa) =>
        sa.projectIds.some((s) => a.nativeIds.includes(s)),
      )
      for (const sa of old) sa.revoked = true
      const first = old[0]
      if (first) {
        await this.world.addGcpServiceAccount(
          { name: a.name, projects: first.projectIds, regions: a.regions },
          { existingAccount: a, clientEmail: first.clientEmail, clientId: first.clientId },
        )
      }
    }
    return this.accountView(a)
  }

  // ---- faults, counters, clock, limits -----------------------------------------------------------

  addFault(rule: Omit<FaultRule, 'id'> & { id?: string }): FaultRule {
    return this.sim.addFault(rule)
  }
  removeFault(id: string): boolean {
    return this.sim.removeFault(id)
  }
  faults(): FaultRule[] {
    return this.sim.listFaults()
  }
  clearFaults(): void {
    this.sim.clearFaults()
  }

  calls(): {
    rows: CallRow[]
    byAccount: Record<string, { calls: number; billableUnits: number; byOperation: Record<string, number> }>
  } {
    const rows = this.sim.callRows()
    const byAccount: Record<
      string,
      { calls: number; billableUnits: number; byOperation: Record<string, number> }
    > = {}
    for (const r of rows) {
      const k = `${r.cloud}:${r.account}`
      const agg = (byAccount[k] ??= { calls: 0, billableUnits: 0, byOperation: {} })
      agg.calls += r.calls
      agg.billableUnits += r.billableUnits
      const op = `${r.api}.${r.operation}`
      agg.byOperation[op] = (agg.byOperation[op] ?? 0) + r.calls
    }
    return { rows, byAccount }
  }
  resetCalls(): void {
    this.sim.resetCalls()
  }

  clock(): { offsetMs: number; now: string } {
    return { offsetMs: this.world.clockOffsetMs, now: new Date(this.world.nowMs()).toISOString() }
  }
  /** Set the world clock's offset from real time (ms); it may only move forward when resources have history. */
  setClockOffset(offsetMs: number): { offsetMs: number; now: string } {
    this.world.clockOffsetMs = offsetMs
    this.world.advance()
    return this.clock()
  }
  advanceClock(ms: number): { offsetMs: number; now: string } {
    return this.setClockOffset(this.world.clockOffsetMs + ms)
  }

  limits(): SimLimits {
    return { ...this.sim.limits }
  }
  setLimits(patch: Partial<SimLimits>): SimLimits {
    for (const [k, v] of Object.entries(patch)) {
      if (!(k in DEFAULT_LIMITS)) throw new ControlError(400, `unknown limit ${k}`)
      if (typeof v !== 'number' || !(v > 0))
        throw new ControlError(400, `limit ${k} must be a positive number`)
    }
    Object.assign(this.sim.limits, patch)
    if (patch.armReadBucket !== undefined) this.sim.armBuckets.clear()
    return this.limits()
  }

  /** Faults, counters, limits and ARM read buckets back to defaults (resources and credentials stay). */
  reset(): void {
    this.sim.clearFaults()
    this.sim.resetCalls()
    this.sim.limits = { ...DEFAULT_LIMITS }
    this.sim.armBuckets.clear()
  }

  /** Mint a ResolveCustomer registration token for a product (creating the customer subscription if needed). */
  mintMarketplaceToken(input: { productCode: string; awsAccountId?: string; customerIdentifier?: string }): {
    registrationToken: string
    customerIdentifier: string
    productCode: string
    awsAccountId: string
  } {
    const mp = this.sim.marketplace
    const product = mp.products.find((p) => p.productCode === input.productCode)
    if (!product) throw new ControlError(404, `no marketplace product ${input.productCode}`)
    let c = mp.customers.find(
      (x) =>
        x.productCode === product.productCode &&
        (input.customerIdentifier
          ? x.customerIdentifier === input.customerIdentifier
          : x.awsAccountId === input.awsAccountId),
    )
    if (!c) {
      c = {
        customerIdentifier: input.customerIdentifier ?? `cust${this.world.rng.alnum(11).toLowerCase()}`,
        awsAccountId: input.awsAccountId ?? this.world.rng.digits(12),
        productCode: product.productCode,
        registrationToken: '',
        entitlements: Object.fromEntries(product.dimensions.map((d, j) => [d, (j + 1) * 100])),
      }
      mp.customers.push(c)
    }
    c.registrationToken = `mp-reg-${this.world.rng.hex(48)}`
    return {
      registrationToken: c.registrationToken,
      customerIdentifier: c.customerIdentifier,
      productCode: c.productCode,
      awsAccountId: c.awsAccountId,
    }
  }

  marketplace() {
    return {
      products: this.sim.marketplace.products,
      customers: this.sim.marketplace.customers,
      records: this.sim.marketplace.records,
    }
  }

  /** The exact truth a metrics API returns for one series (same function the front ends use). */
  metricTruth(q: {
    resourceId: string
    metric: string
    startSec: number
    endSec: number
    periodSec: number
    stat: string
  }): Bucket[] {
    if (!isStat(q.stat)) throw new ControlError(400, `unknown stat ${q.stat}`)
    return aggregateBuckets(this.world, q.resourceId, q.metric, {
      startSec: q.startSec,
      endSec: q.endSec,
      periodSec: q.periodSec,
      stat: q.stat,
    })
  }
}
