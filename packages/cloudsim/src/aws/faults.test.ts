import { CloudWatchClient, ListMetricsCommand } from '@aws-sdk/client-cloudwatch'
import { CostExplorerClient, GetCostAndUsageCommand } from '@aws-sdk/client-cost-explorer'
import { DescribeInstancesCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2'
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds'
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { afterEach, describe, expect, it } from 'vitest'
import { accountOf, useCloudSim } from '../testing/sim-fixture'

const getSim = useCloudSim()
afterEach(() => getSim().control.reset())

function clients(maxAttempts = 1) {
  const sim = getSim()
  const a = accountOf(sim, 'aws')
  const cfg = {
    region: 'us-east-1',
    endpoint: sim.urls.aws,
    credentials: a.credentials.accessKeys,
    maxAttempts,
  }
  return {
    a,
    ec2: new EC2Client(cfg),
    rds: new RDSClient(cfg),
    cw: new CloudWatchClient(cfg),
    ce: new CostExplorerClient(cfg),
    sts: new STSClient(cfg),
  }
}

describe('AWS faults', () => {
  it('throttles with each service’s own error, and the SDK retries through a partial throttle', async () => {
    const sim = getSim()
    const { ec2, rds, cw, ce } = clients()
    sim.control.addFault({ cloud: 'aws', throttleRate: 1 })
    await expect(ec2.send(new DescribeVpcsCommand({}))).rejects.toMatchObject({
      name: 'RequestLimitExceeded',
      $metadata: { httpStatusCode: 503 },
    })
    await expect(rds.send(new DescribeDBInstancesCommand({}))).rejects.toMatchObject({ name: 'Throttling' })
    await expect(cw.send(new ListMetricsCommand({}))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 400 },
    })
    await expect(
      ce.send(
        new GetCostAndUsageCommand({
          TimePeriod: { Start: '2026-01-01', End: '2026-01-02' },
          Granularity: 'DAILY',
          Metrics: ['UnblendedCost'],
        }),
      ),
    ).rejects.toMatchObject({ name: 'LimitExceededException' })
    sim.control.clearFaults()
    sim.control.resetCalls()
    sim.control.addFault({ cloud: 'aws', api: 'ec2', operation: 'DescribeInstances', throttleRate: 0.5 })
    const retrying = clients(3).ec2
    const out = await retrying.send(new DescribeInstancesCommand({}))
    expect(out.Reservations?.length).toBeGreaterThan(0)
    const row = sim.control.calls().rows.find((r) => r.operation === 'DescribeInstances')
    expect(row).toMatchObject({ calls: 2, throttled: 1 })
  })

  it('answers 5xx, adds latency, and can return malformed bodies', async () => {
    const sim = getSim()
    const { ec2, sts } = clients()
    sim.control.addFault({ cloud: 'aws', api: 'ec2', errorRate: 1 })
    await expect(ec2.send(new DescribeVpcsCommand({}))).rejects.toMatchObject({
      name: 'InternalError',
      $metadata: { httpStatusCode: 500 },
    })
    sim.control.clearFaults()
    sim.control.addFault({ cloud: 'aws', api: 'sts', latencyMs: 150 })
    const t0 = Date.now()
    await sts.send(new GetCallerIdentityCommand({}))
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140)
    sim.control.clearFaults()
    sim.control.addFault({ cloud: 'aws', api: 'sts', malformedRate: 1 })
    await expect(sts.send(new GetCallerIdentityCommand({}))).rejects.toThrow()
  })

  it('denies one operation for one account', async () => {
    const sim = getSim()
    const { a, ec2, rds } = clients()
    sim.control.addFault({ cloud: 'aws', account: a.id, operation: 'DescribeInstances', deny: true })
    await expect(ec2.send(new DescribeInstancesCommand({}))).rejects.toMatchObject({
      name: 'UnauthorizedOperation',
      $metadata: { httpStatusCode: 403 },
    })
    await expect(ec2.send(new DescribeVpcsCommand({}))).resolves.toBeDefined()
    sim.control.addFault({ cloud: 'aws', account: a.id, api: 'rds', deny: true })
    await expect(rds.send(new DescribeDBInstancesCommand({}))).rejects.toMatchObject({ name: 'AccessDenied' })
  })

  it('revoked credentials fail everywhere; rotated ones work', async () => {
    const sim = getSim()
    const { a, ec2, sts, ce } = clients()
    sim.control.revokeCredentials('aws', a.id)
    await expect(ec2.send(new DescribeVpcsCommand({}))).rejects.toMatchObject({ name: 'AuthFailure' })
    await expect(sts.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
      name: 'InvalidClientTokenId',
    })
    await expect(
      ce.send(
        new GetCostAndUsageCommand({
          TimePeriod: { Start: '2026-01-01', End: '2026-01-02' },
          Granularity: 'DAILY',
          Metrics: ['UnblendedCost'],
        }),
      ),
    ).rejects.toMatchObject({ name: 'UnrecognizedClientException' })
    const rotated = await sim.control.rotateCredentials('aws', a.id)
    if (rotated.cloud !== 'aws') throw new Error('expected aws')
    expect(rotated.credentials.accessKeys.accessKeyId).not.toBe(a.credentials.accessKeys.accessKeyId)
    const fresh = new STSClient({
      region: 'us-east-1',
      endpoint: sim.urls.aws,
      credentials: rotated.credentials.accessKeys,
    })
    await expect(fresh.send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({ Account: a.id })
  })

  it('exposes the control API over HTTP', async () => {
    const sim = getSim()
    const a = accountOf(sim, 'aws')
    const accounts = (await (await fetch(`${sim.urls.control}/_sim/accounts`)).json()) as {
      accounts: { cloud: string }[]
    }
    expect(accounts.accounts.map((x) => x.cloud).sort()).toEqual(['aws', 'azure', 'gcp', 'ncp'])
    const created = await fetch(`${sim.urls.control}/_sim/resources`, {
      method: 'POST',
      body: JSON.stringify({
        cloud: 'aws',
        account: a.id,
        region: 'us-east-1',
        type: 'ec2.instance',
        name: 'via-http',
      }),
    })
    expect(created.status).toBe(201)
    const r = (await created.json()) as { id: string; state: string }
    expect(r.state).toBe('running')
    const stopped = await fetch(`${sim.urls.control}/_sim/resources/state`, {
      method: 'POST',
      body: JSON.stringify({ id: r.id, state: 'terminated' }),
    })
    expect(((await stopped.json()) as { state: string }).state).toBe('terminated')
    const fault = await fetch(`${sim.urls.control}/_sim/faults`, {
      method: 'POST',
      body: JSON.stringify({ cloud: 'aws', api: 'sts', throttleRate: 1 }),
    })
    const f = (await fault.json()) as { id: string }
    await expect(clients().sts.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
      name: 'Throttling',
    })
    expect((await fetch(`${sim.urls.control}/_sim/faults/${f.id}`, { method: 'DELETE' })).status).toBe(200)
    const calls = (await (await fetch(`${sim.urls.control}/_sim/calls`)).json()) as {
      byAccount: Record<string, { calls: number }>
    }
    expect(calls.byAccount[`aws:${a.id}`]?.calls).toBeGreaterThan(0)
    const bad = await fetch(`${sim.urls.control}/_sim/resources`, {
      method: 'POST',
      body: JSON.stringify({ account: a.id, region: 'us-east-1', type: 'nope', name: 'x' }),
    })
    expect(bad.status).toBe(400)
  })
})

describe('plug-in routes and marketplace tokens', () => {
  it('serves extension routes and mints registration tokens', async () => {
    const { startCloudSim } = await import('../start')
    const sim = await startCloudSim({
      scenario: 'empty',
      extensions: [
        () => ({
          gcp: [
            { method: 'GET', pathPrefix: '/ext/', handler: async () => ({ status: 200, body: 'hello' }) },
          ],
        }),
      ],
    })
    try {
      expect(await (await fetch(`${sim.urls.gcp}/ext/x`)).text()).toBe('hello')
      const product = sim.control.marketplace().products[0]?.productCode ?? ''
      const r = await fetch(`${sim.urls.control}/_sim/marketplace/aws/tokens`, {
        method: 'POST',
        body: JSON.stringify({ productCode: product, awsAccountId: '123456789012' }),
      })
      expect(r.status).toBe(201)
      expect(((await r.json()) as { registrationToken: string }).registrationToken).toMatch(/^mp-reg-/)
    } finally {
      await sim.stop()
    }
  })
})
