import {
  DescribeInstancesCommand,
  DescribeNatGatewaysCommand,
  DescribeRegionsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
  paginateDescribeInstances,
} from '@aws-sdk/client-ec2'
import { describe, expect, it } from 'vitest'
import { accountOf, useCloudSim } from '../testing/sim-fixture'

const getSim = useCloudSim()

function ec2(region = 'us-east-1', creds?: { accessKeyId: string; secretAccessKey: string }) {
  const sim = getSim()
  const a = accountOf(sim, 'aws')
  return new EC2Client({
    region,
    endpoint: sim.urls.aws,
    credentials: creds ?? a.credentials.accessKeys,
    maxAttempts: 1,
  })
}

describe('EC2 (ec2Query)', () => {
  it('lists regions with opt-in status', async () => {
    const all = await ec2().send(new DescribeRegionsCommand({ AllRegions: true }))
    const byName = new Map(all.Regions?.map((r) => [r.RegionName, r.OptInStatus]))
    expect(byName.get('us-east-1')).toBe('opt-in-not-required')
    expect(byName.get('ap-east-1')).toBe('not-opted-in')
    const enabled = await ec2().send(new DescribeRegionsCommand({}))
    expect(enabled.Regions?.some((r) => r.RegionName === 'ap-east-1')).toBe(false)
    expect(enabled.Regions?.[0]?.Endpoint).toMatch(/^ec2\./)
  })

  it('describes instances with tags (incl. Korean), dates and states', async () => {
    const out = await ec2().send(new DescribeInstancesCommand({}))
    const instances = out.Reservations?.flatMap((r) => r.Instances ?? []) ?? []
    expect(instances).toHaveLength(3)
    const i = instances[0]
    expect(i?.InstanceId).toMatch(/^i-[0-9a-f]{17}$/)
    expect(i?.LaunchTime).toBeInstanceOf(Date)
    expect(i?.State?.Name).toBe('running')
    expect(i?.State?.Code).toBe(16)
    expect(
      instances.some((x) => x.Tags?.some((t) => t.Key === 'Name' && /[가-힣]/.test(t.Value ?? ''))),
    ).toBe(true)
  })

  it('filters by state and tag, and pages with MaxResults/NextToken', async () => {
    const sim = getSim()
    const a = accountOf(sim, 'aws')
    for (let k = 0; k < 7; k++)
      sim.control.createResource({
        account: a.id,
        region: 'ap-northeast-2',
        type: 'ec2.instance',
        name: `pg-${k}`,
        tags: { Name: `pg-${k}`, 팀: k % 2 ? '결제팀' : '검색팀' },
      })
    const stopped = sim.control.resources({ account: a.id, region: 'ap-northeast-2' })[0]
    if (stopped) sim.control.setResourceState(stopped.id, 'stopped')
    const client = ec2('ap-northeast-2')
    const pages: number[] = []
    const input = { MaxResults: 5 }
    for await (const p of paginateDescribeInstances({ client }, { ...input }))
      pages.push(p.Reservations?.length ?? 0)
    expect(pages).toEqual([5, 2])
    const running = await client.send(
      new DescribeInstancesCommand({ Filters: [{ Name: 'instance-state-name', Values: ['running'] }] }),
    )
    expect(running.Reservations).toHaveLength(6)
    const team = await client.send(
      new DescribeInstancesCommand({ Filters: [{ Name: 'tag:팀', Values: ['결제팀'] }] }),
    )
    expect(team.Reservations).toHaveLength(3)
    const wild = await client.send(
      new DescribeInstancesCommand({
        Filters: [
          { Name: 'tag:Name', Values: ['pg-*'] },
          { Name: 'instance-state-name', Values: ['stopped'] },
        ],
      }),
    )
    expect(wild.Reservations?.[0]?.Instances?.[0]?.State?.Name).toBe('stopped')
  })

  it('describes VPCs, subnets and NAT gateways', async () => {
    const client = ec2()
    const vpcs = await client.send(new DescribeVpcsCommand({}))
    expect(vpcs.Vpcs).toHaveLength(1)
    const vpcId = vpcs.Vpcs?.[0]?.VpcId ?? ''
    expect(vpcs.Vpcs?.[0]?.CidrBlock).toMatch(/^10\./)
    const subnets = await client.send(
      new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }),
    )
    expect(subnets.Subnets).toHaveLength(2)
    expect(subnets.Subnets?.[0]?.AvailableIpAddressCount).toBeTypeOf('number')
    const nats = await client.send(
      new DescribeNatGatewaysCommand({ Filter: [{ Name: 'vpc-id', Values: [vpcId] }] }),
    )
    expect(nats.NatGateways?.[0]?.State).toBe('available')
    expect(nats.NatGateways?.[0]?.CreateTime).toBeInstanceOf(Date)
    expect(nats.NatGateways?.[0]?.NatGatewayAddresses?.[0]?.PublicIp).toMatch(/^54\./)
  })

  it('rejects unknown keys with AuthFailure and bad parameters with EC2 error codes', async () => {
    await expect(
      ec2('us-east-1', { accessKeyId: 'AKIANOTAREALKEY00000', secretAccessKey: 'x'.repeat(40) }).send(
        new DescribeInstancesCommand({}),
      ),
    ).rejects.toMatchObject({ name: 'AuthFailure', $metadata: { httpStatusCode: 401 } })
    await expect(ec2().send(new DescribeInstancesCommand({ MaxResults: 2000 }))).rejects.toMatchObject({
      name: 'InvalidParameterValue',
    })
    await expect(
      ec2().send(new DescribeInstancesCommand({ InstanceIds: ['i-00000000000000000'] })),
    ).rejects.toMatchObject({ name: 'InvalidInstanceID.NotFound' })
    await expect(
      ec2().send(new DescribeInstancesCommand({ Filters: [{ Name: 'bogus', Values: ['x'] }] })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue' })
  })

  it('answers calls into a not-opted-in region with AuthFailure', async () => {
    await expect(ec2('ap-east-1').send(new DescribeInstancesCommand({}))).rejects.toMatchObject({
      name: 'AuthFailure',
    })
  })
})
