/**
 * Seeding: a known user + organization + API key, and (optionally) a synthetic estate — accounts,
 * resources, metric series with raw points and 5 m / 1 h rollups, daily costs and an API-call
 * ledger — written with set-based SQL so 1,000 resources × 30 days take seconds. Used by the demo
 * (scripts/demo.ts), the tests and the benchmark. Runs as cms_worker (it creates tenants).
 */
import { randomBytes, randomUUID } from 'node:crypto'
import type { PrismaClient } from '@cms/db'
import { hashPassword } from 'better-auth/crypto'
import { generateApiKey } from './api-keys'

export async function createUserWithPassword(
  worker: PrismaClient,
  u: { email: string; password: string; name: string },
) {
  const id = randomUUID()
  await worker.user.create({ data: { id, email: u.email.toLowerCase(), name: u.name, emailVerified: true } })
  // Same shape better-auth writes on sign-up: a "credential" login method holding the scrypt hash.
  await worker.authAccount.create({
    data: {
      id: randomUUID(),
      userId: id,
      accountId: id,
      providerId: 'credential',
      password: await hashPassword(u.password),
    },
  })
  return { id }
}

export async function createOrganization(
  worker: PrismaClient,
  o: { name: string; slug?: string; ownerUserId?: string },
) {
  const id = randomUUID()
  await worker.organization.create({
    data: { id, name: o.name, slug: o.slug ?? `org-${randomBytes(4).toString('hex')}` },
  })
  if (o.ownerUserId)
    await worker.member.create({
      data: { id: randomUUID(), organizationId: id, userId: o.ownerUserId, role: 'owner' },
    })
  return { id }
}

export async function addMember(worker: PrismaClient, organizationId: string, userId: string, role: string) {
  await worker.member.create({ data: { id: randomUUID(), organizationId, userId, role } })
}

export async function createApiKeyFor(
  worker: PrismaClient,
  tenantId: string,
  scope: 'read' | 'write',
  name = 'demo',
) {
  const k = generateApiKey()
  await worker.apiKey.create({ data: { tenantId, name, scope, prefix: k.prefix, hash: k.hash } })
  return k.key
}

export interface EstateOptions {
  accounts?: number
  resourcesPerAccount?: number
  /** Days of 5 m and 1 h rollups (and daily costs). */
  days?: number
  /** Hours of raw 1-minute points. */
  rawHours?: number
  /** Fraction of resources first seen in the last 24 h (marked "new"). */
  newFraction?: number
  /**
   * Write the synthetic raw points and 5 m / 1 h rollups (default true). false creates the metric
   * series only, for a caller that writes its own points (apps/web/bench/web.bench.ts).
   */
  metricPoints?: boolean
}

const REGIONS = ['us-east-1', 'eu-west-1', 'ap-northeast-2', 'us-west-2']
const TYPES = ['ec2.instance', 'ec2.instance', 'ec2.instance', 'rds.instance', 'vpc', 'subnet', 'nat_gateway']
const SERVICES = [
  'Amazon Elastic Compute Cloud - Compute',
  'Amazon Relational Database Service',
  'Amazon Virtual Private Cloud',
  'Amazon CloudWatch',
  'AWS Cost Explorer',
]

/** Seed a synthetic AWS estate into one tenant. Returns the account ids. */
export async function seedEstate(
  worker: PrismaClient,
  tenantId: string,
  o: EstateOptions = {},
): Promise<{ accountIds: string[] }> {
  const nAccounts = o.accounts ?? 1
  const per = o.resourcesPerAccount ?? 50
  const days = o.days ?? 2
  const rawHours = o.rawHours ?? 6
  const newEvery = o.newFraction ? Math.max(1, Math.round(1 / o.newFraction)) : 0
  const accountIds: string[] = []
  for (let a = 0; a < nAccounts; a++) {
    const id = randomUUID()
    accountIds.push(id)
    const nativeId = String(100000000000 + Math.floor(Math.random() * 899999999999))
    await worker.cloudAccount.create({
      data: {
        id,
        tenantId,
        cloud: 'aws',
        name: `aws-${a + 1}`,
        status: 'ok',
        lastSuccessAt: new Date(Date.now() - 40_000),
        nativeAccountId: nativeId,
        // Seeded accounts hold no usable secret: a placeholder envelope that no key opens.
        credentials: { seeded: true },
        credentialsView: {
          method: 'assumeRole',
          roleArn: `arn:aws:iam::${nativeId}:role/CmsReadOnly`,
          externalId: 'cms-seeded',
        },
        externalId: 'cms-seeded',
        regions: REGIONS,
      },
    })
    await worker.$executeRawUnsafe(
      `INSERT INTO resource (id, tenant_id, account_id, cloud, region, type, native_id, name, state, native_state, tags, attributes, first_seen_at, last_seen_at, updated_at)
       SELECT gen_random_uuid(), $1::uuid, $2::uuid, 'aws', ($3::text[])[1 + i % cardinality($3::text[])], t.type,
              t.prefix || lpad(to_hex(i * 7919 + $5), 17, '0'),
              CASE WHEN t.type = 'subnet' THEN NULL ELSE (array['web','api','db','worker','batch'])[1 + i % 5] || '-' || i END,
              CASE WHEN i % 11 = 0 THEN 'stopped' WHEN t.type IN ('vpc','subnet','nat_gateway','rds.instance') THEN 'available' ELSE 'running' END,
              CASE WHEN i % 11 = 0 THEN 'stopped' ELSE 'running' END,
              jsonb_build_object('env', (array['prod','staging','dev'])[1 + i % 3], 'team', (array['core','data','edge'])[1 + i % 3]),
              jsonb_build_object('instanceType', (array['t3.micro','m6i.large','c7g.xlarge'])[1 + i % 3]),
              CASE WHEN $6 > 0 AND i % $6 = 0 THEN now() - interval '2 hours' ELSE now() - interval '40 days' END, now(), now()
       FROM generate_series(1, $4) i
       CROSS JOIN LATERAL (SELECT ($7::text[])[1 + i % cardinality($7::text[])] AS type) t0
       CROSS JOIN LATERAL (SELECT t0.type, CASE t0.type WHEN 'vpc' THEN 'vpc-' WHEN 'subnet' THEN 'subnet-' WHEN 'nat_gateway' THEN 'nat-' WHEN 'rds.instance' THEN 'db-' ELSE 'i-' END AS prefix) t`,
      tenantId,
      id,
      REGIONS,
      per,
      a * 1_000_003,
      newEvery,
      TYPES,
    )
  }
  await worker.$executeRawUnsafe(
    `INSERT INTO metric_series (tenant_id, resource_id, metric, stat, unit)
     SELECT r.tenant_id, r.id, m.metric, 'Average', m.unit FROM resource r
     CROSS JOIN (VALUES ('CPUUtilization', 'Percent'), ('NetworkIn', 'Bytes')) m(metric, unit)
     WHERE r.tenant_id = $1::uuid AND r.type IN ('ec2.instance', 'rds.instance') AND (m.metric = 'CPUUtilization' OR r.type = 'ec2.instance')
     ON CONFLICT DO NOTHING`,
    tenantId,
  )
  if (o.metricPoints !== false) {
    // A smooth daily wave with per-series phase: plausible CPU% / bytes shapes.
    const wave = (ts: string) =>
      `(50 + 35 * sin(extract(epoch FROM ${ts}) / 13751.0 + s.id) + 10 * sin(extract(epoch FROM ${ts}) / 600.0 + s.id * 3))`
    const scale = `CASE s.metric WHEN 'NetworkIn' THEN 10000 ELSE 1 END`
    await worker.$executeRawUnsafe(
      `INSERT INTO ts.metric_points (tenant_id, series_id, ts, value)
     SELECT s.tenant_id, s.id, g, ${wave('g')} * ${scale}
     FROM metric_series s, generate_series(date_trunc('minute', now()) - make_interval(hours => $2), date_trunc('minute', now()), interval '1 minute') g
     WHERE s.tenant_id = $1::uuid ON CONFLICT DO NOTHING`,
      tenantId,
      rawHours,
    )
    for (const [table, step] of [
      ['ts.metric_points_5m', '5 minutes'],
      ['ts.metric_points_1h', '1 hour'],
    ] as const) {
      await worker.$executeRawUnsafe(
        `INSERT INTO ts.metric_points_${table.endsWith('5m') ? '5m' : '1h'} (tenant_id, series_id, ts, min, max, sum, count)
       SELECT s.tenant_id, s.id, g, ${wave('g')} * ${scale} * 0.8, ${wave('g')} * ${scale} * 1.2,
              ${wave('g')} * ${scale} * n.c, n.c
       FROM metric_series s
       CROSS JOIN (SELECT extract(epoch FROM interval '${step}')::int / 60 AS c) n
       CROSS JOIN generate_series(date_trunc('hour', now()) - make_interval(days => $2), now(), interval '${step}') g
       WHERE s.tenant_id = $1::uuid ON CONFLICT DO NOTHING`,
        tenantId,
        days,
      )
    }
  }
  const costDays = Math.max(days, 45)
  await worker.$executeRawUnsafe(
    `INSERT INTO daily_cost (tenant_id, account_id, day, service, region, amount, currency, estimated, updated_at)
     SELECT a.tenant_id, a.id, d::date, s.service, r.region,
            round((s.base * (1 + 0.15 * sin(extract(doy FROM d) + s.k)) * (0.5 + r.k))::numeric, 6), 'USD', d > now() - interval '2 days', now()
     FROM cloud_account a
     CROSS JOIN generate_series(current_date - $2::int, current_date, interval '1 day') d
     CROSS JOIN (SELECT unnest($3::text[]) AS service, generate_series(1, cardinality($3::text[])) AS k, 0) s0
     CROSS JOIN LATERAL (SELECT s0.service, s0.k, (ARRAY[42.0, 18.5, 6.2, 2.1, 0.4])[s0.k] AS base) s
     CROSS JOIN (VALUES ('us-east-1', 0.6), ('eu-west-1', 0.3)) r(region, k)
     WHERE a.tenant_id = $1::uuid ON CONFLICT DO NOTHING`,
    tenantId,
    costDays,
    SERVICES,
  )
  await worker.$executeRawUnsafe(
    `INSERT INTO api_call_ledger (tenant_id, account_id, hour, api, operation, calls, billable_units, cost_usd)
     SELECT a.tenant_id, a.id, h, op.api, op.operation, op.calls, op.units, op.cost
     FROM cloud_account a
     CROSS JOIN generate_series(date_trunc('hour', now()) - make_interval(days => $2), now(), interval '1 hour') h
     CROSS JOIN (VALUES ('cloudwatch', 'GetMetricData', 12, 480, 0.0048), ('ec2', 'DescribeInstances', 4, 0, 0), ('rds', 'DescribeDBInstances', 4, 0, 0), ('ce', 'GetCostAndUsage', 0, 0, 0)) op(api, operation, calls, units, cost)
     WHERE a.tenant_id = $1::uuid ON CONFLICT DO NOTHING`,
    tenantId,
    Math.min(days, 35),
  )
  return { accountIds }
}

export interface DemoSeedOptions {
  email?: string
  password?: string
  organizationName?: string
  /** Seed a synthetic estate too (omit when the demo connects a cloudsim account instead). */
  estate?: EstateOptions | false
}

/**
 * The demo's known login: user + organization (owner) + a write API key (+ optional estate).
 * Idempotent on the e-mail: an existing demo user gets a fresh organization and key.
 */
export async function seedDemoOrganization(worker: PrismaClient, o: DemoSeedOptions = {}) {
  const email = (o.email ?? 'demo@cms.local').toLowerCase()
  const password = o.password ?? 'demo-password-1'
  const existing = await worker.user.findUnique({ where: { email }, select: { id: true } })
  const userId =
    existing?.id ?? (await createUserWithPassword(worker, { email, password, name: 'Demo operator' })).id
  const org = await createOrganization(worker, {
    name: o.organizationName ?? 'Demo Org',
    ownerUserId: userId,
  })
  const apiKey = await createApiKeyFor(worker, org.id, 'write', 'demo')
  if (o.estate !== false && o.estate !== undefined) await seedEstate(worker, org.id, o.estate)
  return { email, password, apiKey, organizationId: org.id, userId }
}
