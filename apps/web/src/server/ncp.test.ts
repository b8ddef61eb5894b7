/**
 * Naver Cloud through the web's API, with no special case: an NCP account is connected with a
 * sub-account key pair and verified on save through the real provider against cloudsim's NCP gateway
 * (signature checked there); the secret is write-only; NCP's upper-case region codes filter like any
 * region; the OpenAPI document describes the NCP body and view; and KRW costs sit next to USD ones,
 * per currency, never added.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCloudSim, type CloudSim } from '@cms/cloudsim'
import { forTenant } from '@cms/db'
import type { TestDatabase } from '@cms/db/testing'
import { call, PUBLIC_URL, setupWebTest } from '../../test/harness'
import { routes } from './api/routes'
import { costSummary } from './costs'
import * as seed from './demo-seed'
import { NCP_READ_POLICIES } from './ncp-setup'
import type { TenantContext } from './tenant-guard'

let db: TestDatabase
let sim: CloudSim
let teardown: () => Promise<void>
let tenantId: string
let writeKey: string
let readKey: string

type SimNcp = Extract<ReturnType<CloudSim['control']['accounts']>[number], { cloud: 'ncp' }>
const simNcp = (): SimNcp => {
  const a = sim.control.accounts().find((x): x is SimNcp => x.cloud === 'ncp')
  if (!a) throw new Error('no NCP account in the simulator')
  return a
}

beforeAll(async () => {
  ;[{ db, teardown }, sim] = await Promise.all([
    setupWebTest(),
    startCloudSim({ seed: 5, scenario: 'minimal', port: 0 }),
  ])
  // Operator configuration, read once by the web's config module: NCP's gateway is the simulator.
  process.env.CMS_NCP_ENDPOINT = sim.urls.ncp
  const demo = await seed.seedDemoOrganization(db.worker, {
    email: 'ncp@a.test',
    password: 'password-123456',
    estate: { resourcesPerAccount: 10, days: 3, rawHours: 1 },
  })
  tenantId = demo.organizationId
  // Room for several accounts (the free plan allows fewer than this file connects).
  await db.worker.organization.update({ where: { id: tenantId }, data: { planId: 'enterprise' } })
  writeKey = demo.apiKey
  readKey = await seed.createApiKeyFor(db.worker, tenantId, 'read')
}, 120_000)
afterAll(async () => {
  await teardown?.()
  await sim?.stop()
})

describe('connecting a Naver Cloud account', () => {
  it('refuses a malformed key pair at the field, before any cloud call', async () => {
    const r = await call(routes.createAccount.handler, {
      method: 'POST',
      auth: { apiKey: writeKey },
      body: {
        cloud: 'ncp',
        name: 'ncp-bad',
        credentials: { method: 'subAccountKey', accessKey: 'has spaces!', secretKey: 'x', site: 'moon' },
      },
    })
    expect(r.status).toBe(422)
    const fields = r.body.error?.details.fields ?? {}
    expect(Object.keys(fields).sort()).toEqual(
      ['credentials.accessKey', 'credentials.secretKey', 'credentials.site'].sort(),
    )
  })

  it('verifies on save through the provider against the NCP gateway; the secret is never returned', async () => {
    const a = simNcp()
    const created = await call(routes.createAccount.handler, {
      method: 'POST',
      auth: { apiKey: writeKey },
      body: { cloud: 'ncp', name: 'ncp-prod', credentials: a.credentials },
    })
    expect(created.status).toBe(201)
    const text = JSON.stringify(created.body)
    expect(text).not.toContain(a.credentials.secretKey)
    expect(text).not.toContain(a.credentials.accessKey)
    const verification = created.body.verification as {
      ok: boolean
      status: string
      regions: { enabled: string[] }
    }
    expect(verification).toMatchObject({ ok: true, status: 'ok' })
    expect(verification.regions.enabled.length).toBeGreaterThan(0)
    const account = created.body.account as { id: string; credentials: unknown; status: string }
    expect(account.status).toBe('ok')
    expect(account.credentials).toEqual({
      method: 'subAccountKey',
      accessKeyHint: `…${a.credentials.accessKey.slice(-4)}`,
      site: a.credentials.site,
    })
    // Stored in the vault like every credential: the row holds an envelope, not the key pair.
    const row = await db.worker.cloudAccount.findUniqueOrThrow({ where: { id: account.id } })
    expect(JSON.stringify(row.credentials)).not.toContain(a.credentials.secretKey)
    const got = await call(routes.getAccount.handler, {
      params: { id: account.id },
      auth: { apiKey: readKey },
    })
    expect(JSON.stringify(got.body)).not.toContain(a.credentials.secretKey)
  })

  it('a wrong secret key fails verification with the cloud’s answer (signature refused), not a 500', async () => {
    const a = simNcp()
    const r = await call(routes.createAccount.handler, {
      method: 'POST',
      auth: { apiKey: writeKey },
      body: {
        cloud: 'ncp',
        name: 'ncp-wrong-secret',
        credentials: { ...a.credentials, secretKey: `${a.credentials.secretKey.slice(0, -4)}XXXX` },
      },
    })
    expect(r.status).toBe(201)
    const v = r.body.verification as { ok: boolean; status: string; message?: string }
    expect(v.ok).toBe(false)
    expect(v.status).toBe('error')
    // The failed check names the NCP permission and carries the gateway's refusal.
    expect(v.message).toMatch(/getRegionList: NCP reject/)
    const row = await db.worker.cloudAccount.findUniqueOrThrow({
      where: { id: (r.body.account as { id: string }).id },
    })
    expect(row.lastErrorCode).toBe('credentials_invalid')
  })
})

describe('NCP in the REST API', () => {
  it('filters the inventory by an NCP region code (upper case) like any region', async () => {
    const r = await call(routes.listResources.handler, {
      query: { cloud: 'ncp', region: 'KR' },
      auth: { apiKey: readKey },
    })
    expect(r.status).toBe(200)
    const bad = await call(routes.listResources.handler, {
      query: { region: 'K R' },
      auth: { apiKey: readKey },
    })
    expect(bad.status).toBe(422)
  })

  it('OpenAPI describes the NCP account body (with the policies it needs) and its sanitized view', async () => {
    const { openApiDocument } = await import('./api/openapi')
    const text = JSON.stringify(openApiDocument(PUBLIC_URL))
    expect(text).toContain('"subAccountKey"')
    expect(text).toContain('"accessKeyHint"')
    for (const p of NCP_READ_POLICIES) expect(text).toContain(p.policy)
    const doc = openApiDocument(PUBLIC_URL) as {
      paths: Record<string, Record<string, { requestBody?: unknown; responses: Record<string, unknown> }>>
    }
    const create = JSON.stringify(doc.paths['/accounts']?.post?.requestBody)
    expect(create).toContain('"ncp"')
    expect(create).toContain('"secretKey"')
    // Secrets are write-only: no response schema names the secret key field.
    for (const ops of Object.values(doc.paths))
      for (const op of Object.values(ops)) expect(JSON.stringify(op.responses)).not.toContain('"secretKey"')
  })
})

describe('costs in KRW next to USD', () => {
  it('totals, groups and days are per currency and never added across currencies', async () => {
    // An NCP account's bill (KRW), next to the seeded AWS account's (USD).
    const ncpAccount = randomUUID()
    await db.worker.cloudAccount.create({
      data: {
        id: ncpAccount,
        tenantId,
        cloud: 'ncp',
        name: 'ncp-billing',
        status: 'ok',
        credentials: { seeded: true },
        credentialsView: { method: 'subAccountKey', accessKeyHint: '…TEST', site: 'public' },
      },
    })
    const today = new Date().toISOString().slice(0, 10)
    const rows = [
      { service: 'Server', amount: 120_000 },
      { service: 'Cloud DB for MySQL', amount: 80_500 },
    ]
    for (const r of rows)
      await db.worker
        .$executeRaw`INSERT INTO daily_cost (tenant_id, account_id, day, service, region, amount, currency, estimated, updated_at)
        VALUES (${tenantId}::uuid, ${ncpAccount}::uuid, ${today}::date, ${r.service}, 'KR', ${r.amount}, 'KRW', false, now())`
    const usd = await db.worker.$queryRaw<Array<{ s: number }>>`
      SELECT sum(amount)::float8 AS s FROM daily_cost WHERE tenant_id = ${tenantId}::uuid AND currency = 'USD'
        AND day >= date_trunc('month', current_date) AND day <= current_date`
    const usdTotal = usd[0]?.s ?? 0
    expect(usdTotal).toBeGreaterThan(0)

    const c = await call(routes.getCosts.handler, { query: { groupBy: 'cloud' }, auth: { apiKey: readKey } })
    expect(c.status).toBe(200)
    const totals = c.body.totals as Array<{ currency: string; amount: number }>
    expect(totals.map((x) => x.currency)).toEqual(['KRW', 'USD'])
    expect(totals[0]!.amount).toBeCloseTo(200_500, 6)
    expect(totals[1]!.amount).toBeCloseTo(usdTotal, 4)
    const groups = c.body.groups as Array<{ key: string; currency: string; amount: number }>
    expect(groups.find((g) => g.key === 'ncp')).toMatchObject({ currency: 'KRW', amount: 200_500 })
    expect(groups.find((g) => g.key === 'aws')?.currency).toBe('USD')

    // A group billed in both currencies (one day) appears once per currency, not as one mixed sum.
    const byDay = await call(routes.getCosts.handler, {
      query: { groupBy: 'day', from: today, to: today },
      auth: { apiKey: readKey },
    })
    const todays = (byDay.body.groups as Array<{ key: string; currency: string; amount: number }>).filter(
      (g) => g.key === today,
    )
    expect(todays.map((g) => g.currency).sort()).toEqual(['KRW', 'USD'])
    expect(todays.find((g) => g.currency === 'KRW')?.amount).toBeCloseTo(200_500, 6)
    for (const d of byDay.body.daily as Array<{ currency: string }>)
      expect(['KRW', 'USD']).toContain(d.currency)

    // The month summary (Overview, Costs cards) is one row per currency as well.
    const t: TenantContext = {
      tenantId,
      role: 'viewer',
      actor: { type: 'api_key', id: 'test', scope: 'read' },
      db: forTenant(db.app, tenantId),
    }
    const summary = await costSummary(t)
    expect(summary.map((s) => s.currency)).toEqual(['KRW', 'USD'])
    expect(summary[0]!.monthToDate).toBeCloseTo(200_500, 6)
    expect(summary[1]!.monthToDate).toBeCloseTo(usdTotal, 4)
  })
})
