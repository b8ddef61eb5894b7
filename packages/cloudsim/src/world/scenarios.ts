/**
 * Scenarios: seeded worlds for tests (`empty`, `minimal`), the demo (`demo`, evolving with the clock)
 * and benchmarks (`scale`). Same seed + scenario → same accounts, ids, tags and metric values.
 */
import { DAY } from './costs'
import type { NewResource } from './world'
import { World } from './world'
import { scale100k } from './scale100k'
import type { ResourceType, SimAccount } from './types'

export const SCENARIOS = ['empty', 'minimal', 'demo', 'scale', 'scale100k'] as const
export type ScenarioName = (typeof SCENARIOS)[number]

export interface ScenarioOptions {
  seed?: number
  scenario?: ScenarioName
  /** `scale`: number of resources (default 10,000). */
  resources?: number
  /** Start the world clock this many ms away from real time. */
  clockOffsetMs?: number
}

const TEAMS = ['결제팀', '플랫폼팀', 'data-platform', '검색팀', 'growth']
const ENVS = ['prod', 'staging', 'dev']
const KOREAN_NAMES = [
  '결제-서버',
  '주문-api',
  '검색-색인기',
  '정산-배치',
  'web-frontend',
  'auth-서비스',
  '추천-엔진',
  'log-수집기',
]

export async function buildWorld(opts: ScenarioOptions = {}): Promise<World> {
  const world = new World(opts.seed ?? 42)
  world.clockOffsetMs = opts.clockOffsetMs ?? 0
  world.ensurePoller()
  const scenario = opts.scenario ?? 'minimal'
  switch (scenario) {
    case 'empty':
      await baseAccounts(world)
      ncpAccount(world, 'acme-ncp', ['KR'])
      break
    case 'minimal':
      await minimal(world)
      break
    case 'demo':
      await demo(world)
      break
    case 'scale':
      await scale(world, opts.resources ?? 10_000)
      break
    case 'scale100k':
      await scale100k(world, opts.resources ?? 100_000)
      break
  }
  return world
}

/** Midnight UTC 30 days before now: history starts here so metrics and costs have a past. */
function anchor(world: World): number {
  return Math.floor(world.nowSeconds() / DAY) * DAY - 30 * DAY
}

interface Base {
  aws: SimAccount
  azure: SimAccount
  gcp: SimAccount
}

async function baseAccounts(world: World): Promise<Base> {
  const aws = world.addAwsAccount({
    name: 'acme-prod',
    regions: ['us-east-1', 'ap-northeast-2'],
    disabledRegions: ['ap-east-1', 'me-south-1', 'af-south-1', 'eu-south-1', 'ap-southeast-3'],
  }).account
  const azure = world.addAzurePrincipal({
    name: 'acme-azure',
    subscriptions: [{ regions: ['koreacentral', 'eastus'] }],
  }).account
  const gcp = (
    await world.addGcpServiceAccount({
      name: 'acme-gcp',
      projects: [`acme-prod-${world.rng.digits(6)}`],
      regions: ['asia-northeast3', 'us-central1'],
    })
  ).account
  return { aws, azure, gcp }
}

function tags(world: World, name: string): Record<string, string> {
  const r = world.rng
  return { Name: name, team: r.pick(TEAMS), env: r.pick(ENVS) }
}

function add(
  world: World,
  spec: Omit<NewResource, 'tags'> & { tags?: Record<string, string> | false },
): ReturnType<World['addResource']> {
  const { tags: t, ...rest } = spec
  return world.addResource({
    ...rest,
    ...(t === false ? { tags: {} } : { tags: t ?? tags(world, spec.name) }),
  })
}

/**
 * NCP accounts are added after the other clouds' resources in every scenario, so the seeded ids of the
 * AWS/Azure/GCP estates stay what they were before NCP existed.
 */
function ncpAccount(world: World, name: string, regions: string[]): SimAccount {
  return world.addNcpAccount({ name, regions }).account
}

/** An NCP estate in one region: a VPC with a NAT gateway, servers in it, a Cloud DB for MySQL. */
function ncpEstate(
  world: World,
  acct: SimAccount,
  region: string,
  servers: number,
  t0: number,
  prefix: string,
): void {
  const r = world.rng
  const at = () => t0 + r.int(0, 20) * DAY + r.int(0, 86400)
  const vpc = add(world, {
    account: acct.id,
    region,
    type: 'ncp.vpc',
    name: `${prefix}-vpc`,
    createdAt: t0,
    tags: {},
  })
  const subnetNo = r.digits(5)
  add(world, {
    account: acct.id,
    region,
    type: 'ncp.nat_gateway',
    name: `${prefix}-natgw`,
    createdAt: t0,
    tags: {},
    attrs: { vpcNo: vpc.id, subnetNo },
  })
  for (let i = 0; i < servers; i++)
    add(world, {
      account: acct.id,
      region,
      type: 'ncp.server',
      name: `${r.pick(KOREAN_NAMES)}-${prefix}${i}`,
      createdAt: at(),
      // NCP servers carry no tags on getServerInstanceList; names are what users go by.
      tags: {},
      attrs: { vpcNo: vpc.id, subnetNo },
    })
  add(world, {
    account: acct.id,
    region,
    type: 'ncp.mysql',
    name: `${prefix}-mysql`,
    createdAt: at(),
    tags: {},
    attrs: { vpcNo: vpc.id, subnetNo },
  })
}

/** The first NCP server of an account stopped two hours ago: stopped servers and their metric gap. */
function stopFirstNcpServer(world: World, acct: SimAccount): void {
  const s = world.resourcesOf(acct.id).find((x) => x.type === 'ncp.server')
  if (s) world.setState(s, 'stopped', world.nowSeconds() - 2 * 3600)
}

/** One estate per cloud account: networks, a few instances, a database. */
function estate(
  world: World,
  acct: SimAccount,
  region: string,
  instances: number,
  t0: number,
  prefix: string,
): void {
  const r = world.rng
  const at = () => t0 + r.int(0, 20) * DAY + r.int(0, 86400)
  const pickName = (i: number) => `${r.pick(KOREAN_NAMES)}-${prefix}${i}`
  if (acct.cloud === 'aws') {
    const vpc = add(world, { account: acct.id, region, type: 'vpc', name: `${prefix}-vpc`, createdAt: t0 })
    const subnets = [0, 1].map((i) =>
      add(world, {
        account: acct.id,
        region,
        type: 'subnet',
        name: `${prefix}-subnet-${i}`,
        createdAt: t0,
        attrs: { vpcId: vpc.id },
      }),
    )
    add(world, {
      account: acct.id,
      region,
      type: 'nat_gateway',
      name: `${prefix}-nat`,
      createdAt: t0,
      attrs: { vpcId: vpc.id, subnetId: subnets[0]?.id ?? '' },
    })
    for (let i = 0; i < instances; i++) {
      const sn = subnets[i % 2]
      // Every fifth instance (the 3rd, 8th, …) is untagged: the Tagging API must not see it (like AWS).
      add(world, {
        account: acct.id,
        region,
        type: 'ec2.instance',
        name: pickName(i),
        createdAt: at(),
        ...(i % 5 === 2 ? { tags: false } : {}),
        attrs: { vpcId: vpc.id, subnetId: sn?.id ?? '' },
        ...(sn?.zone ? { zone: sn.zone } : {}),
      })
    }
    add(world, {
      account: acct.id,
      region,
      type: 'rds.cluster',
      name: `${prefix}-aurora-${acct.id.slice(-4)}`,
      createdAt: t0,
    })
    add(world, {
      account: acct.id,
      region,
      type: 'rds.instance',
      name: `${prefix}-orders-db-${acct.id.slice(-4)}`,
      createdAt: at(),
    })
  } else if (acct.cloud === 'azure') {
    const sub = acct.nativeIds[0] ?? acct.id
    add(world, { account: sub, region, type: 'azure.vnet', name: `${prefix}-vnet`, createdAt: t0 })
    for (let i = 0; i < instances; i++)
      add(world, {
        account: sub,
        region,
        type: 'azure.vm',
        name: `vm-${prefix}-${i}`,
        createdAt: at(),
        tags: { ...tags(world, `vm-${prefix}-${i}`), 서비스: r.pick(KOREAN_NAMES) },
      })
    add(world, {
      account: sub,
      region,
      type: 'azure.sql_server',
      name: `sql-${prefix}-${sub.slice(0, 4)}`,
      createdAt: t0,
    })
    add(world, {
      account: sub,
      region,
      type: 'azure.sql_database',
      name: `orders-${prefix}`,
      createdAt: at(),
      attrs: { server: `sql-${prefix}-${sub.slice(0, 4)}` },
    })
  } else {
    const project = acct.nativeIds[0] ?? acct.id
    add(world, {
      account: project,
      region,
      type: 'gcp.network',
      name: `${prefix}-net`,
      createdAt: t0,
      tags: {},
    })
    for (let i = 0; i < instances; i++)
      add(world, {
        account: project,
        region,
        type: 'gcp.instance',
        name: `gce-${prefix}-${i}`,
        createdAt: at(),
        tags: { team: r.pick(TEAMS), env: r.pick(ENVS) },
      })
    add(world, {
      account: project,
      region,
      type: 'gcp.sql_instance',
      name: `pg-${prefix}`,
      createdAt: at(),
      tags: {},
    })
  }
}

async function minimal(world: World): Promise<void> {
  const b = await baseAccounts(world)
  const t0 = anchor(world)
  estate(world, b.aws, 'us-east-1', 3, t0, 'a')
  estate(world, b.azure, 'koreacentral', 2, t0, 'z')
  estate(world, b.gcp, 'asia-northeast3', 2, t0, 'g')
  const ncp = ncpAccount(world, 'acme-ncp', ['KR'])
  ncpEstate(world, ncp, 'KR', 3, t0, 'n')
  stopFirstNcpServer(world, ncp)
}

async function demo(world: World): Promise<void> {
  const b = await baseAccounts(world)
  const aws2 = world.addAwsAccount({
    name: 'acme-staging',
    regions: ['ap-northeast-2', 'eu-west-1'],
    disabledRegions: ['ap-east-1'],
  }).account
  const gcp2 = (
    await world.addGcpServiceAccount({
      name: 'globex-gcp',
      projects: [`globex-data-${world.rng.digits(6)}`],
      regions: ['us-central1'],
    })
  ).account
  const t0 = anchor(world)
  estate(world, b.aws, 'us-east-1', 6, t0, 'use1')
  estate(world, b.aws, 'ap-northeast-2', 5, t0, 'apne2')
  estate(world, aws2, 'ap-northeast-2', 4, t0, 'stg')
  estate(world, b.azure, 'koreacentral', 4, t0, 'krc')
  estate(world, b.azure, 'eastus', 2, t0, 'eus')
  estate(world, b.gcp, 'asia-northeast3', 4, t0, 'seoul')
  estate(world, gcp2, 'us-central1', 3, t0, 'data')
  // A stopped instance shows state changes and a gap in metrics.
  const stopped = world.resourcesOf(b.aws.id).find((r) => r.type === 'ec2.instance')
  if (stopped) world.setState(stopped, 'stopped', world.nowSeconds() - 2 * 3600)
  const ncp = ncpAccount(world, 'acme-ncp', ['KR', 'JPN'])
  ncpEstate(world, ncp, 'KR', 5, t0, 'kr')
  ncpEstate(world, ncp, 'JPN', 2, t0, 'jp')
  stopFirstNcpServer(world, ncp)
  installChurn(world, [b.aws, b.azure, b.gcp, ncp], 180)
}

/**
 * Demo churn: every `everySec` of world time a new instance appears (clouds in turn) and the one
 * created three ticks earlier is terminated. Ticks are derived from the clock, so the outcome does not
 * depend on when requests arrive.
 */
function installChurn(world: World, accts: SimAccount[], everySec: number): void {
  const start = Math.floor(world.nowSeconds() / everySec) * everySec
  let done = 0
  const created: string[] = []
  const typeOf: Record<SimAccount['cloud'], ResourceType> = {
    aws: 'ec2.instance',
    azure: 'azure.vm',
    gcp: 'gcp.instance',
    ncp: 'ncp.server',
  }
  world.onAdvance = (w, now) => {
    const due = Math.floor((now - start) / everySec)
    while (done < due) {
      done++
      const t = start + done * everySec
      const acct = accts[done % accts.length]
      if (!acct) break
      const account = acct.nativeIds[0] ?? acct.id
      const region = acct.regions[0] ?? 'us-east-1'
      const name = acct.cloud === 'aws' || acct.cloud === 'ncp' ? `신규-인스턴스-${done}` : `churn-${done}`
      const r = w.addResource({
        account,
        region,
        type: typeOf[acct.cloud],
        name,
        createdAt: t,
        tags: { Name: name, env: 'dev', team: '플랫폼팀' },
      })
      created.push(r.id)
      const old = created.length > 3 ? created.shift() : undefined
      const victim = old ? w.resource(old) : undefined
      if (victim) w.setState(victim, 'terminated', t)
    }
  }
}

/**
 * N resources spread over 3 AWS accounts, 2 Azure subscriptions and 2 GCP projects (60/20/20), plus
 * N/10 NCP servers (and a VPC, NAT gateway and MySQL per region) in one NCP account over KR and JPN:
 * at 10,000 that is 1,000 servers, enough that Cloud Insight's 20-condition batches matter.
 */
async function scale(world: World, n: number): Promise<void> {
  const b = await baseAccounts(world)
  const aws = [
    b.aws,
    world.addAwsAccount({ name: 'scale-aws-2', regions: ['us-east-1', 'eu-west-1'] }).account,
    world.addAwsAccount({ name: 'scale-aws-3', regions: ['us-west-2'] }).account,
  ]
  const az = world.addAzurePrincipal({
    name: 'scale-azure',
    subscriptions: [{ regions: ['koreacentral', 'westeurope'] }, { regions: ['eastus'] }],
  }).account
  const gcp = [
    b.gcp,
    (
      await world.addGcpServiceAccount({
        name: 'scale-gcp-2',
        projects: [`scale-proj-${world.rng.digits(6)}`],
        regions: ['us-central1'],
      })
    ).account,
  ]
  const t0 = anchor(world)
  const r = world.rng
  const nAws = Math.round(n * 0.6)
  const nAz = Math.round(n * 0.2)
  const nGcp = n - nAws - nAz
  for (let i = 0; i < nAws; i++) {
    const acct = aws[i % aws.length]
    if (!acct) continue
    const region = acct.regions[i % acct.regions.length] ?? 'us-east-1'
    const type: ResourceType = i % 20 === 0 ? 'rds.instance' : 'ec2.instance'
    add(world, {
      account: acct.id,
      region,
      type,
      name: type === 'rds.instance' ? `db-${i}` : `${r.pick(KOREAN_NAMES)}-${i}`,
      createdAt: t0 + r.int(0, 25 * 24) * 3600,
    })
  }
  for (let i = 0; i < nAz; i++) {
    const sub = az.nativeIds[i % az.nativeIds.length] ?? az.id
    const region = sub === az.nativeIds[0] ? (i % 2 ? 'koreacentral' : 'westeurope') : 'eastus'
    add(world, {
      account: sub,
      region,
      type: 'azure.vm',
      name: `vm-${i}`,
      createdAt: t0 + r.int(0, 25 * 24) * 3600,
    })
  }
  for (let i = 0; i < nGcp; i++) {
    const acct = gcp[i % gcp.length]
    if (!acct) continue
    add(world, {
      account: acct.id,
      region: acct.regions[i % acct.regions.length] ?? 'us-central1',
      type: 'gcp.instance',
      name: `gce-${i}`,
      createdAt: t0 + r.int(0, 25 * 24) * 3600,
    })
  }
  const ncp = ncpAccount(world, 'scale-ncp', ['KR', 'JPN'])
  const nNcp = Math.round(n / 10)
  for (const region of ncp.regions) {
    const vpc = add(world, {
      account: ncp.id,
      region,
      type: 'ncp.vpc',
      name: `scale-${region}-vpc`,
      createdAt: t0,
      tags: {},
    })
    add(world, {
      account: ncp.id,
      region,
      type: 'ncp.nat_gateway',
      name: `scale-${region}-nat`,
      createdAt: t0,
      tags: {},
      attrs: { vpcNo: vpc.id },
    })
    add(world, {
      account: ncp.id,
      region,
      type: 'ncp.mysql',
      name: `scale-${region}-mysql`,
      createdAt: t0,
      tags: {},
      attrs: { vpcNo: vpc.id },
    })
  }
  for (let i = 0; i < nNcp; i++)
    add(world, {
      account: ncp.id,
      region: ncp.regions[i % 4 === 3 ? 1 : 0] ?? 'KR',
      type: 'ncp.server',
      name: `svr-${i}`,
      createdAt: t0 + r.int(0, 25 * 24) * 3600,
      tags: {},
    })
}
