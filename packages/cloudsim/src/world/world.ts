/**
 * The simulated world: accounts, their credentials and resources, and the clock. Plain records and a
 * few indexes; metric values and costs are computed on demand from these records.
 */
import { generateKeyPair } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { hashString, Rng } from './hash'
import { stateAt } from './metrics'
import { NCP_IMAGE_PRODUCT_CODE, NCP_MYSQL_PRODUCTS, NCP_SERVER_SPECS, ncpSpec } from './ncp-catalog'
import { awsZone, gcpZone, ncpZone } from './regions'
import {
  CLOUD_OF_TYPE,
  type AwsKey,
  type AwsRole,
  type AzurePrincipal,
  type CloudKind,
  type GcpServiceAccount,
  type NcpKey,
  type ResourceType,
  type SimAccount,
  type SimResource,
  type SimState,
} from './types'

export interface NewResource {
  cloud?: CloudKind
  account: string
  region: string
  type: ResourceType
  name: string
  tags?: Record<string, string>
  attrs?: Record<string, string | number | boolean>
  /** Epoch seconds; default now. */
  createdAt?: number
  /** Initial state; default running. */
  state?: SimState
  zone?: string
}

/** The principal CMS itself polls with: the only one trusted by tenants' roles. */
export const POLLER_ACCOUNT = '999900001111'

export class World {
  readonly seed: number
  readonly rng: Rng
  clockOffsetMs = 0
  readonly accounts: SimAccount[] = []
  private readonly byId = new Map<string, SimResource>()
  private readonly byAccount = new Map<string, SimResource[]>()
  readonly awsKeys = new Map<string, AwsKey>()
  readonly awsRoles = new Map<string, AwsRole>()
  readonly azurePrincipals = new Map<string, AzurePrincipal>()
  readonly gcpServiceAccounts = new Map<string, GcpServiceAccount>()
  /** NCP API keys by access key. */
  readonly ncpKeys = new Map<string, NcpKey>()
  pollerKey: AwsKey | undefined
  /** Bumped on every resource change so front ends can cache indexes. */
  version = 0
  /** Called before each request so scenarios can evolve with the clock (see scenarios.ts). */
  onAdvance: ((world: World, nowSec: number) => void) | undefined
  private counter = 0

  constructor(seed: number) {
    this.seed = seed >>> 0
    this.rng = new Rng(hashString('world', this.seed))
  }

  nowMs(): number {
    return Date.now() + this.clockOffsetMs
  }
  nowSeconds(): number {
    return Math.floor(this.nowMs() / 1000)
  }

  advance(): void {
    this.onAdvance?.(this, this.nowSeconds())
  }

  resource(id: string): SimResource | undefined {
    return this.byId.get(id) ?? this.byId.get(id.toLowerCase())
  }

  resourcesOf(account: string): readonly SimResource[] {
    return this.byAccount.get(account) ?? []
  }

  allResources(): IterableIterator<SimResource> {
    return this.byId.values()
  }

  get resourceCount(): number {
    return this.byId.size
  }

  account(cloud: CloudKind, nativeId: string): SimAccount | undefined {
    return this.accounts.find(
      (a) => a.cloud === cloud && (a.id === nativeId || a.nativeIds.includes(nativeId)),
    )
  }

  /** Resources of an account visible at `t` (created, not yet terminated). */
  visible(account: string, t: number, filter?: (r: SimResource) => boolean): SimResource[] {
    const out: SimResource[] = []
    for (const r of this.resourcesOf(account)) {
      const s = stateAt(r, t)
      if (s === undefined || s === 'terminated') continue
      if (filter && !filter(r)) continue
      out.push(r)
    }
    return out
  }

  // ---- accounts and credentials -------------------------------------------------------------

  addAwsAccount(opts: { id?: string; name: string; regions: string[]; disabledRegions?: string[] }): {
    account: SimAccount
    key: AwsKey
    role: AwsRole
  } {
    const id = opts.id ?? this.rng.digits(12)
    const account: SimAccount = {
      cloud: 'aws',
      id,
      name: opts.name,
      nativeIds: [id],
      regions: opts.regions,
      disabledRegions: opts.disabledRegions ?? [],
    }
    this.accounts.push(account)
    const key = this.newAwsUserKey(id, 'cms-readonly')
    const role: AwsRole = {
      roleArn: `arn:aws:iam::${id}:role/CmsReadOnly`,
      account: id,
      externalId: `cms-${this.rng.hex(16)}`,
      trustedAccounts: [POLLER_ACCOUNT],
    }
    this.awsRoles.set(role.roleArn, role)
    return { account, key, role }
  }

  newAwsUserKey(account: string, user: string): AwsKey {
    const key: AwsKey = {
      accessKeyId: `AKIA${this.rng.alnum(16)}`,
      secretAccessKey: this.rng.hex(40),
      account,
      arn: `arn:aws:iam::${account}:user/${user}`,
      userId: `AIDA${this.rng.alnum(17)}`,
    }
    this.awsKeys.set(key.accessKeyId, key)
    return key
  }

  ensurePoller(): AwsKey {
    if (!this.pollerKey) this.pollerKey = this.newAwsUserKey(POLLER_ACCOUNT, 'cms-poller')
    return this.pollerKey
  }

  issueAwsSession(role: AwsRole, sessionName: string, durationSec: number): AwsKey {
    const key: AwsKey = {
      accessKeyId: `ASIA${this.rng.alnum(16)}`,
      secretAccessKey: this.rng.hex(40),
      sessionToken: `FwoGZXIvYXdzE${this.rng.hex(96)}`,
      account: role.account,
      arn: `arn:aws:sts::${role.account}:assumed-role/${role.roleArn.split('/').pop() ?? 'role'}/${sessionName}`,
      userId: `AROA${this.rng.alnum(17)}:${sessionName}`,
      expiresAt: this.nowMs() + durationSec * 1000,
    }
    this.awsKeys.set(key.accessKeyId, key)
    return key
  }

  addAzurePrincipal(opts: { name: string; subscriptions: { id?: string; regions: string[] }[] }): {
    account: SimAccount
    principal: AzurePrincipal
  } {
    const subs = opts.subscriptions.map((s) => s.id ?? this.rng.guid())
    const principal: AzurePrincipal = {
      tenantId: this.rng.guid(),
      clientId: this.rng.guid(),
      clientSecret: `sim~${this.rng.hex(36)}`,
      subscriptionIds: subs,
    }
    this.azurePrincipals.set(principal.clientId, principal)
    const regions = [...new Set(opts.subscriptions.flatMap((s) => s.regions))]
    const account: SimAccount = {
      cloud: 'azure',
      id: subs[0] ?? principal.tenantId,
      name: opts.name,
      nativeIds: subs,
      regions,
    }
    this.accounts.push(account)
    return { account, principal }
  }

  /**
   * A service account with a fresh RSA key. `rotate` keeps the identity of an existing account
   * (same email and client id, new key id) instead of creating a new one.
   */
  async addGcpServiceAccount(
    opts: { name: string; projects: string[]; regions: string[] },
    rotate?: { existingAccount: SimAccount; clientEmail: string; clientId: string },
  ): Promise<{ account: SimAccount; sa: GcpServiceAccount }> {
    const first = opts.projects[0]
    if (!first) throw new Error('a service account needs a project')
    const n = this.counter++
    const keyPair = await cachedRsaKey(`${this.seed}-${n}`)
    const sa: GcpServiceAccount = {
      clientEmail: rotate?.clientEmail ?? `cms-reader@${first}.iam.gserviceaccount.com`,
      clientId: rotate?.clientId ?? this.rng.digits(21),
      privateKeyId: this.rng.hex(40),
      privateKeyPem: keyPair.privateKeyPem,
      publicKeyPem: keyPair.publicKeyPem,
      projectIds: opts.projects,
    }
    this.gcpServiceAccounts.set(sa.privateKeyId, sa)
    if (rotate) return { account: rotate.existingAccount, sa }
    const account: SimAccount = {
      cloud: 'gcp',
      id: first,
      name: opts.name,
      nativeIds: opts.projects,
      regions: opts.regions,
    }
    this.accounts.push(account)
    return { account, sa }
  }

  /** An NCP member (memberNo) with one sub-account API key. */
  addNcpAccount(opts: { id?: string; name: string; regions: string[] }): {
    account: SimAccount
    key: NcpKey
  } {
    const id = opts.id ?? this.rng.digits(7)
    const account: SimAccount = { cloud: 'ncp', id, name: opts.name, nativeIds: [id], regions: opts.regions }
    this.accounts.push(account)
    return { account, key: this.newNcpKey(id) }
  }

  newNcpKey(account: string): NcpKey {
    const key: NcpKey = {
      accessKey: `ncp_iam_BPAMKR${this.rng.alnum(10)}`,
      secretKey: `ncp_iam_BPKMKR${this.rng.alnum(26)}`,
      account,
      site: 'public',
    }
    this.ncpKeys.set(key.accessKey, key)
    return key
  }

  // ---- resources ------------------------------------------------------------------------------

  /** Create a resource with cloud-shaped ids and attributes. */
  addResource(spec: NewResource): SimResource {
    const cloud = CLOUD_OF_TYPE[spec.type]
    if (spec.cloud && spec.cloud !== cloud)
      throw new Error(`type ${spec.type} belongs to ${cloud}, not ${spec.cloud}`)
    const t = spec.createdAt ?? this.nowSeconds()
    const rng = this.rng
    const zoneIdx = rng.int(0, 3)
    const attrs: Record<string, string | number | boolean> = {}
    let id: string
    let zone: string | undefined = spec.zone
    switch (spec.type) {
      case 'ec2.instance':
        id = `i-${rng.hex(17)}`
        zone ??= awsZone(spec.region, zoneIdx)
        Object.assign(attrs, {
          instanceType: rng.pick(['t3.micro', 't3.medium', 'm5.large', 'm5.xlarge', 'c5.2xlarge']),
          imageId: `ami-${rng.hex(17)}`,
          privateIp: `10.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`,
          platform: 'Linux/UNIX',
        })
        break
      case 'rds.instance':
        id = spec.name
        zone ??= awsZone(spec.region, zoneIdx)
        Object.assign(attrs, {
          instanceClass: rng.pick(['db.t3.medium', 'db.r6g.large', 'db.r6g.xlarge']),
          engine: rng.pick(['postgres', 'mysql', 'aurora-postgresql']),
          engineVersion: '16.3',
          allocatedStorage: rng.pick([20, 100, 500]),
          multiAz: rng.next() < 0.3,
        })
        break
      case 'rds.cluster':
        id = spec.name
        Object.assign(attrs, { engine: 'aurora-postgresql', engineVersion: '16.3' })
        break
      case 'vpc':
        id = `vpc-${rng.hex(17)}`
        Object.assign(attrs, { cidr: `10.${rng.int(0, 255)}.0.0/16`, isDefault: false })
        break
      case 'subnet':
        id = `subnet-${rng.hex(17)}`
        zone ??= awsZone(spec.region, zoneIdx)
        Object.assign(attrs, {
          cidr: `10.${rng.int(0, 255)}.${rng.int(0, 255)}.0/24`,
          availableIpAddressCount: rng.int(10, 250),
        })
        break
      case 'nat_gateway':
        id = `nat-${rng.hex(17)}`
        Object.assign(attrs, {
          publicIp: `54.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`,
          privateIp: `10.0.${rng.int(0, 255)}.${rng.int(1, 254)}`,
          connectivityType: 'public',
        })
        break
      case 'azure.vm': {
        const rg = String(spec.attrs?.resourceGroup ?? rng.pick(['rg-prod', 'rg-dev', 'rg-data']))
        id = `/subscriptions/${spec.account}/resourceGroups/${rg}/providers/Microsoft.Compute/virtualMachines/${spec.name}`
        Object.assign(attrs, {
          resourceGroup: rg,
          vmSize: rng.pick(['Standard_B2s', 'Standard_D2s_v5', 'Standard_D4s_v5', 'Standard_E4s_v5']),
          vmId: rng.guid(),
          osType: rng.pick(['Linux', 'Windows']),
        })
        break
      }
      case 'azure.sql_server': {
        const rg = String(spec.attrs?.resourceGroup ?? 'rg-data')
        id = `/subscriptions/${spec.account}/resourceGroups/${rg}/providers/Microsoft.Sql/servers/${spec.name}`
        Object.assign(attrs, {
          resourceGroup: rg,
          fqdn: `${spec.name}.database.windows.net`,
          version: '12.0',
        })
        break
      }
      case 'azure.sql_database': {
        const server = String(spec.attrs?.server ?? 'sql-main')
        const rg = String(spec.attrs?.resourceGroup ?? 'rg-data')
        id = `/subscriptions/${spec.account}/resourceGroups/${rg}/providers/Microsoft.Sql/servers/${server}/databases/${spec.name}`
        Object.assign(attrs, {
          resourceGroup: rg,
          server,
          sku: rng.pick(['GP_Gen5_2', 'S1']),
          databaseId: rng.guid(),
          maxSizeBytes: 34359738368,
        })
        break
      }
      case 'azure.vnet': {
        const rg = String(spec.attrs?.resourceGroup ?? 'rg-network')
        id = `/subscriptions/${spec.account}/resourceGroups/${rg}/providers/Microsoft.Network/virtualNetworks/${spec.name}`
        Object.assign(attrs, {
          resourceGroup: rg,
          addressPrefix: `10.${rng.int(0, 255)}.0.0/16`,
          resourceGuid: rng.guid(),
        })
        break
      }
      case 'gcp.instance':
        id = rng.digits(19)
        zone ??= gcpZone(spec.region, zoneIdx)
        Object.assign(attrs, {
          machineType: rng.pick(['e2-small', 'e2-medium', 'n2-standard-2', 'n2-standard-4']),
          networkIP: `10.128.${rng.int(0, 255)}.${rng.int(1, 254)}`,
          network: 'default',
        })
        break
      case 'gcp.sql_instance':
        id = `${spec.account}:${spec.name}`
        zone ??= gcpZone(spec.region, zoneIdx)
        Object.assign(attrs, {
          tier: rng.pick(['db-custom-2-7680', 'db-f1-micro']),
          databaseVersion: rng.pick(['POSTGRES_16', 'MYSQL_8_0']),
        })
        break
      case 'gcp.network':
        id = rng.digits(19)
        Object.assign(attrs, { autoCreateSubnetworks: true })
        break
      case 'ncp.server': {
        id = this.freshNcpNo(8)
        zone ??= ncpZone(spec.region, zoneIdx)
        const sz = ncpSpec(spec.attrs?.serverSpecCode) ?? rng.pick(NCP_SERVER_SPECS)
        Object.assign(attrs, {
          serverSpecCode: sz.serverSpecCode,
          serverProductCode: sz.serverProductCode,
          serverImageProductCode: NCP_IMAGE_PRODUCT_CODE,
          cpuCount: sz.cpuCount,
          memorySize: sz.memorySize,
          vpcNo: rng.digits(5),
          subnetNo: rng.digits(5),
          networkInterfaceNo: rng.digits(7),
          privateIp: `10.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(6, 254)}`,
        })
        break
      }
      case 'ncp.vpc':
        id = this.freshNcpNo(5)
        Object.assign(attrs, { ipv4CidrBlock: `10.${rng.int(0, 255)}.0.0/16` })
        break
      case 'ncp.nat_gateway':
        id = this.freshNcpNo(8)
        zone ??= ncpZone(spec.region, zoneIdx)
        Object.assign(attrs, {
          vpcNo: rng.digits(5),
          subnetNo: rng.digits(5),
          publicIp: `223.130.${rng.int(0, 255)}.${rng.int(1, 254)}`,
          privateIp: `10.0.${rng.int(0, 255)}.${rng.int(6, 254)}`,
        })
        break
      case 'ncp.mysql': {
        id = this.freshNcpNo(8)
        zone ??= ncpZone(spec.region, zoneIdx)
        const p = rng.pick(NCP_MYSQL_PRODUCTS)
        Object.assign(attrs, {
          cloudMysqlServerInstanceNo: rng.digits(8),
          cloudMysqlProductCode: p.code,
          cpuCount: p.cpuCount,
          memorySize: p.memorySize,
          engineVersion: 'MYSQL8.0.36',
          vpcNo: rng.digits(5),
          subnetNo: rng.digits(5),
        })
        break
      }
    }
    const key = cloud === 'azure' ? id.toLowerCase() : id
    if (this.byId.has(key)) throw new Error(`resource ${id} already exists`)
    const r: SimResource = {
      id,
      cloud,
      account: spec.account,
      region: spec.region,
      ...(zone ? { zone } : {}),
      type: spec.type,
      name: spec.name,
      tags: spec.tags ?? {},
      history: [{ t, state: spec.state ?? 'running' }],
      attrs: { ...attrs, ...spec.attrs },
    }
    this.byId.set(key, r)
    this.version++
    let list = this.byAccount.get(spec.account)
    if (!list) this.byAccount.set(spec.account, (list = []))
    list.push(r)
    return r
  }

  /** NCP instance numbers share one number space (servers, NAT gateways and DB instances alike). */
  private freshNcpNo(len: number): string {
    let id = this.rng.digits(len)
    while (this.byId.has(id)) id = this.rng.digits(len)
    return id
  }

  /** Record a state change at `t` (default now). */
  setState(r: SimResource, state: SimState, t = this.nowSeconds()): void {
    const last = r.history[r.history.length - 1]
    if (last?.state === 'terminated') return
    if (last && last.t > t) throw new Error('state changes must move forward in time')
    r.history.push({ t, state })
    this.version++
  }
}

export interface RsaKeyPem {
  privateKeyPem: string
  publicKeyPem: string
}

const keyCache = new Map<string, Promise<RsaKeyPem>>()

/**
 * RSA key generation costs ~100 ms, so service-account keys are cached in memory and in the temp
 * directory (keyed by seed and ordinal): restarts with the same seed keep the same keys.
 */
function cachedRsaKey(name: string): Promise<RsaKeyPem> {
  let p = keyCache.get(name)
  if (!p) {
    p = loadOrCreate(name)
    keyCache.set(name, p)
  }
  return p
}

async function loadOrCreate(name: string): Promise<RsaKeyPem> {
  const dir = join(tmpdir(), 'cms-cloudsim-keys')
  const file = join(dir, `sa-${name}.json`)
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as RsaKeyPem
    if (parsed.privateKeyPem && parsed.publicKeyPem) return parsed
  } catch {
    // not cached yet
  }
  const pair = await new Promise<RsaKeyPem>((resolve, reject) =>
    generateKeyPair(
      'rsa',
      {
        modulusLength: 2048,
        publicKeyEncoding: { type: 'spki', format: 'pem' },
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      },
      (err, pub, priv) => (err ? reject(err) : resolve({ privateKeyPem: priv, publicKeyPem: pub })),
    ),
  )
  try {
    await mkdir(dir, { recursive: true })
    await writeFile(file, JSON.stringify(pair), { mode: 0o600 })
  } catch {
    // caching is best-effort
  }
  return pair
}
