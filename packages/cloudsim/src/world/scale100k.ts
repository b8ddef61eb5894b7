/**
 * `scale100k`: the 10× estate of issue 17 — by default 100,000 resources over 70 accounts in all four
 * clouds, ≥ 600,000 metric series once polled (the scheduler's `scale100k` bench).
 *
 * Same resource kinds and shapes as `scale` (EC2 with an RDS instance every 20th, Azure VMs, GCE
 * instances, NCP servers with a VPC, NAT gateway and Cloud DB for MySQL per region), spread over many
 * more accounts, as a large customer or an MSP has them. The mix leans on AWS and NCP because their
 * types carry the most metrics (6 per EC2/RDS, 7 per NCP server vs 4 per Azure VM and 3 per GCE
 * instance): 100,000 resources in the `scale` mix would give ~520,000 series.
 */
import { DAY } from './costs'
import type { ResourceType, SimAccount } from './types'
import type { World } from './world'

const TEAMS = ['결제팀', '플랫폼팀', 'data-platform', '검색팀', 'growth']
const ENVS = ['prod', 'staging', 'dev']

/** Accounts per cloud (70 in all) and each cloud's share of the resources. */
const ACCOUNTS = { aws: 40, ncp: 15, azure: 8, gcp: 7 } as const
const SHARE = { aws: 0.58, ncp: 0.3, azure: 0.07 } as const

const AWS_REGIONS = ['us-east-1', 'ap-northeast-2', 'eu-west-1', 'us-west-2']
const AZURE_REGIONS = ['koreacentral', 'eastus', 'westeurope', 'japaneast']
const GCP_REGIONS = ['asia-northeast3', 'us-central1', 'europe-west1', 'asia-northeast1']
const NCP_REGIONS = ['KR', 'JPN']

export async function scale100k(world: World, n: number): Promise<void> {
  const r = world.rng
  // History starts 30 days back (as in every scenario), creation times spread over 25 days of it.
  const t0 = Math.floor(world.nowSeconds() / DAY) * DAY - 30 * DAY
  const createdAt = () => t0 + r.int(0, 25 * 24) * 3600
  const two = (list: string[], i: number) => [list[i % list.length]!, list[(i + 1) % list.length]!]
  const tagsFor = (name: string) => ({ Name: name, team: r.pick(TEAMS), env: r.pick(ENVS) })

  const aws: SimAccount[] = []
  for (let i = 0; i < ACCOUNTS.aws; i++)
    aws.push(world.addAwsAccount({ name: `big-aws-${i}`, regions: two(AWS_REGIONS, i) }).account)
  const azure: SimAccount[] = []
  for (let i = 0; i < ACCOUNTS.azure; i++)
    azure.push(
      world.addAzurePrincipal({ name: `big-azure-${i}`, subscriptions: [{ regions: two(AZURE_REGIONS, i) }] })
        .account,
    )
  const gcp: SimAccount[] = []
  for (let i = 0; i < ACCOUNTS.gcp; i++)
    gcp.push(
      (
        await world.addGcpServiceAccount({
          name: `big-gcp-${i}`,
          projects: [`big-proj-${i}-${r.digits(6)}`],
          regions: two(GCP_REGIONS, i),
        })
      ).account,
    )
  const ncp: SimAccount[] = []
  for (let i = 0; i < ACCOUNTS.ncp; i++)
    ncp.push(world.addNcpAccount({ name: `big-ncp-${i}`, regions: NCP_REGIONS }).account)

  // NCP networks and a database per account and region (counted in the resources).
  let fixed = 0
  for (const acct of ncp)
    for (const region of acct.regions) {
      const vpc = world.addResource({
        account: acct.id,
        region,
        type: 'ncp.vpc',
        name: `big-${region}-vpc`,
        createdAt: t0,
        tags: {},
      })
      for (const type of ['ncp.nat_gateway', 'ncp.mysql'] as const)
        world.addResource({
          account: acct.id,
          region,
          type,
          name: `big-${region}-${type.slice(4)}`,
          createdAt: t0,
          tags: {},
          attrs: { vpcNo: vpc.id },
        })
      fixed += 3
    }

  const nAws = Math.round(n * SHARE.aws)
  const nNcp = Math.round(n * SHARE.ncp) - fixed
  const nAz = Math.round(n * SHARE.azure)
  const nGcp = n - nAws - nAz - nNcp - fixed
  for (let i = 0; i < nAws; i++) {
    const acct = aws[i % aws.length]!
    const region = acct.regions[Math.floor(i / aws.length) % acct.regions.length]!
    const type: ResourceType = i % 20 === 0 ? 'rds.instance' : 'ec2.instance'
    const name = type === 'rds.instance' ? `db-${i}` : `app-${i}`
    world.addResource({ account: acct.id, region, type, name, createdAt: createdAt(), tags: tagsFor(name) })
  }
  for (let i = 0; i < nAz; i++) {
    const acct = azure[i % azure.length]!
    const sub = acct.nativeIds[0] ?? acct.id
    const region = acct.regions[Math.floor(i / azure.length) % acct.regions.length]!
    world.addResource({
      account: sub,
      region,
      type: 'azure.vm',
      name: `vm-${i}`,
      createdAt: createdAt(),
      tags: tagsFor(`vm-${i}`),
    })
  }
  for (let i = 0; i < nGcp; i++) {
    const acct = gcp[i % gcp.length]!
    world.addResource({
      account: acct.id,
      region: acct.regions[Math.floor(i / gcp.length) % acct.regions.length]!,
      type: 'gcp.instance',
      name: `gce-${i}`,
      createdAt: createdAt(),
      tags: { team: r.pick(TEAMS), env: r.pick(ENVS) },
    })
  }
  for (let i = 0; i < nNcp; i++) {
    const acct = ncp[i % ncp.length]!
    world.addResource({
      account: acct.id,
      region: acct.regions[Math.floor(i / ncp.length) % 4 === 3 ? 1 : 0]!,
      type: 'ncp.server',
      name: `svr-${i}`,
      createdAt: createdAt(),
      tags: {},
    })
  }
}
