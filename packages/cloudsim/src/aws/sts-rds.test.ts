import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2'
import {
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  paginateDescribeDBInstances,
  RDSClient,
} from '@aws-sdk/client-rds'
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers'
import { describe, expect, it } from 'vitest'
import { accountOf, useCloudSim } from '../testing/sim-fixture'

const getSim = useCloudSim()

describe('STS (awsQuery)', () => {
  it('GetCallerIdentity names the key owner', async () => {
    const sim = getSim()
    const a = accountOf(sim, 'aws')
    const out = await new STSClient({
      region: 'us-east-1',
      endpoint: sim.urls.aws,
      credentials: a.credentials.accessKeys,
    }).send(new GetCallerIdentityCommand({}))
    expect(out.Account).toBe(a.id)
    expect(out.Arn).toBe(`arn:aws:iam::${a.id}:user/cms-readonly`)
  })

  it('AssumeRole enforces ExternalId and issues ASIA… credentials that work elsewhere', async () => {
    const sim = getSim()
    const a = accountOf(sim, 'aws')
    const { roleArn, externalId, accessKeyId, secretAccessKey } = a.credentials.assumeRole
    const sts = new STSClient({
      region: 'us-east-1',
      endpoint: sim.urls.aws,
      credentials: { accessKeyId, secretAccessKey },
    })
    await expect(
      sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'cms', ExternalId: 'wrong' })),
    ).rejects.toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } })
    await expect(
      sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'cms' })),
    ).rejects.toMatchObject({ name: 'AccessDenied' })
    // The tenant's own keys are not trusted by the role (only the poller principal is).
    const tenantSts = new STSClient({
      region: 'us-east-1',
      endpoint: sim.urls.aws,
      credentials: a.credentials.accessKeys,
    })
    const self = await tenantSts.send(
      new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'cms', ExternalId: externalId }),
    )
    expect(self.Credentials?.AccessKeyId).toMatch(/^ASIA/)
    const out = await sts.send(
      new AssumeRoleCommand({
        RoleArn: roleArn,
        RoleSessionName: 'cms',
        ExternalId: externalId,
        DurationSeconds: 900,
      }),
    )
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA/)
    expect(out.Credentials?.Expiration).toBeInstanceOf(Date)
    const temp = {
      accessKeyId: out.Credentials?.AccessKeyId ?? '',
      secretAccessKey: out.Credentials?.SecretAccessKey ?? '',
      sessionToken: out.Credentials?.SessionToken ?? '',
    }
    const who = await new STSClient({ region: 'us-east-1', endpoint: sim.urls.aws, credentials: temp }).send(
      new GetCallerIdentityCommand({}),
    )
    expect(who.Account).toBe(a.id)
    expect(who.Arn).toContain(':assumed-role/CmsReadOnly/cms')
    // Without the session token the temporary key is rejected.
    const noToken = new EC2Client({
      region: 'us-east-1',
      endpoint: sim.urls.aws,
      credentials: { accessKeyId: temp.accessKeyId, secretAccessKey: temp.secretAccessKey },
      maxAttempts: 1,
    })
    await expect(noToken.send(new DescribeInstancesCommand({}))).rejects.toMatchObject({
      name: 'AuthFailure',
    })
  })

  it('works through fromTemporaryCredentials, and expired sessions fail with ExpiredToken', async () => {
    const sim = getSim()
    const a = accountOf(sim, 'aws')
    const { roleArn, externalId, accessKeyId, secretAccessKey } = a.credentials.assumeRole
    const credentials = fromTemporaryCredentials({
      masterCredentials: { accessKeyId, secretAccessKey },
      params: { RoleArn: roleArn, RoleSessionName: 'cms-poll', ExternalId: externalId, DurationSeconds: 900 },
      clientConfig: { region: 'us-east-1', endpoint: sim.urls.aws },
    })
    const ec2 = new EC2Client({ region: 'us-east-1', endpoint: sim.urls.aws, credentials, maxAttempts: 1 })
    const out = await ec2.send(new DescribeInstancesCommand({}))
    expect(out.Reservations?.length).toBeGreaterThan(0)
    const sts = new STSClient({
      region: 'us-east-1',
      endpoint: sim.urls.aws,
      credentials: { accessKeyId, secretAccessKey },
    })
    const assumed = await sts.send(
      new AssumeRoleCommand({
        RoleArn: roleArn,
        RoleSessionName: 'short',
        ExternalId: externalId,
        DurationSeconds: 900,
      }),
    )
    const temp = {
      accessKeyId: assumed.Credentials?.AccessKeyId ?? '',
      secretAccessKey: assumed.Credentials?.SecretAccessKey ?? '',
      sessionToken: assumed.Credentials?.SessionToken ?? '',
    }
    sim.control.advanceClock(3600_000)
    try {
      const stale = new STSClient({
        region: 'us-east-1',
        endpoint: sim.urls.aws,
        credentials: temp,
        maxAttempts: 1,
      })
      await expect(stale.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
        name: 'ExpiredToken',
      })
    } finally {
      sim.control.advanceClock(-3600_000)
    }
  })

  it('the role trusts the ExternalId the customer pastes (control setRoleExternalId, in-process and over HTTP)', async () => {
    const sim = getSim()
    const a = accountOf(sim, 'aws')
    const { roleArn, externalId: original, accessKeyId, secretAccessKey } = a.credentials.assumeRole
    const sts = new STSClient({
      region: 'us-east-1',
      endpoint: sim.urls.aws,
      credentials: { accessKeyId, secretAccessKey },
      maxAttempts: 1,
    })
    const assume = (ExternalId: string) =>
      sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'cms', ExternalId }))
    try {
      expect(sim.control.setRoleExternalId(a.id, 'cms-issued-by-us-1')).toEqual({
        roleArn,
        externalId: 'cms-issued-by-us-1',
      })
      expect((await assume('cms-issued-by-us-1')).Credentials?.AccessKeyId).toMatch(/^ASIA/)
      await expect(assume(original)).rejects.toMatchObject({ name: 'AccessDenied' })
      expect(accountOf(sim, 'aws').credentials.assumeRole.externalId).toBe('cms-issued-by-us-1')

      const post = (b: unknown) =>
        fetch(`${sim.urls.control}/_sim/roles/external-id`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(b),
        })
      const ok = await post({ account: a.id, externalId: 'cms-issued-by-us-2' })
      expect(ok.status).toBe(200)
      expect(await ok.json()).toEqual({ roleArn, externalId: 'cms-issued-by-us-2' })
      expect((await assume('cms-issued-by-us-2')).Credentials?.AccessKeyId).toMatch(/^ASIA/)
      await expect(assume('cms-issued-by-us-1')).rejects.toMatchObject({ name: 'AccessDenied' })
      expect((await post({ account: '000000000000', externalId: 'cms-x1' })).status).toBe(404)
      expect((await post({ account: a.id, externalId: 'has space' })).status).toBe(400)
    } finally {
      sim.control.setRoleExternalId(a.id, original)
    }
  })

  it('unknown keys get InvalidClientTokenId', async () => {
    const sim = getSim()
    const sts = new STSClient({
      region: 'us-east-1',
      endpoint: sim.urls.aws,
      credentials: { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'x'.repeat(40) },
    })
    await expect(sts.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
      name: 'InvalidClientTokenId',
      $metadata: { httpStatusCode: 403 },
    })
  })
})

describe('RDS (awsQuery)', () => {
  it('describes instances and clusters with typed fields, and pages with Marker', async () => {
    const sim = getSim()
    const a = accountOf(sim, 'aws')
    const rds = new RDSClient({
      region: 'us-east-1',
      endpoint: sim.urls.aws,
      credentials: a.credentials.accessKeys,
      maxAttempts: 1,
    })
    const out = await rds.send(new DescribeDBInstancesCommand({}))
    const db = out.DBInstances?.[0]
    expect(db?.DBInstanceStatus).toBe('available')
    expect(db?.AllocatedStorage).toBeTypeOf('number')
    expect(db?.MultiAZ).toBeTypeOf('boolean')
    expect(db?.InstanceCreateTime).toBeInstanceOf(Date)
    expect(db?.Endpoint?.Port).toBeTypeOf('number')
    const clusters = await rds.send(new DescribeDBClustersCommand({}))
    expect(clusters.DBClusters?.[0]?.Engine).toBe('aurora-postgresql')

    for (let i = 0; i < 25; i++)
      sim.control.createResource({
        account: a.id,
        region: 'us-east-1',
        type: 'rds.instance',
        name: `bulk-db-${String(i).padStart(2, '0')}`,
      })
    const sizes: number[] = []
    for await (const p of paginateDescribeDBInstances({ client: rds, pageSize: 20 }, {}))
      sizes.push(p.DBInstances?.length ?? 0)
    expect(sizes).toEqual([20, 6])
    await expect(
      rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'nope' })),
    ).rejects.toMatchObject({ name: 'DBInstanceNotFoundFault' })
    await expect(rds.send(new DescribeDBInstancesCommand({ MaxRecords: 5 }))).rejects.toMatchObject({
      name: 'InvalidParameterValue',
    })
  })
})
