/**
 * Issue 10 (1): tenant isolation × roles × auth kinds, generated from the route list.
 *
 *  - Inventory: the route files, the route list and /api/v1/openapi.json describe the same /api/v1
 *    operations; every other route file is classified here (a new one fails until someone decides how
 *    it is authenticated); 'use server' modules and tenant pages go through the guard.
 *  - Cross-tenant: for every route with a tenant object and every principal of organization A (owner,
 *    admin, member, viewer sessions; write and read API keys), each of B's ids answers exactly what a
 *    random id answers: 404 when the role suffices, the same 403 when it does not. Never 200, never a
 *    403 that only B's ids get.
 *  - Roles within A: viewers and read keys get 403 on every mutating route; member/admin/owner pass the
 *    guard exactly where the expected-role table below says (the table is the app's documented rules,
 *    kept separately from routes.ts so lowering a route's role is a visible test change).
 */
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestDatabase } from '@cms/db/testing'
import type { ApiRoute, TenantObject } from '../../apps/web/src/server/api/define-route'
import type * as Settings from '../../apps/web/src/server/settings'
import {
  callRaw,
  isErrorShape,
  organizationWithEveryPrincipal,
  PUBLIC_URL,
  setupSecurityTest,
  type Handler,
  type Principal,
  type RoleName,
} from './harness'
import { pageModules, routeFileExports, serverActionModules, WEB_ROOT } from './route-inventory'

let db: TestDatabase
let teardown: () => Promise<void>
let routeList: ApiRoute[]
let settings: typeof Settings
let A: Awaited<ReturnType<typeof organizationWithEveryPrincipal>>
let B: Awaited<ReturnType<typeof organizationWithEveryPrincipal>>
const bIds: Record<TenantObject | 'apiKey', string[]> = {
  account: [],
  resource: [],
  alertRule: [],
  webhook: [],
  delivery: [],
  silence: [],
  apiKey: [],
}
let bSnapshot = ''
const counts = { crossTenant: 0, roleRules: 0, bodyReferences: 0 }

const ROLE_ORDER: RoleName[] = ['viewer', 'member', 'admin', 'owner']
const atLeast = (have: RoleName, need: RoleName) => ROLE_ORDER.indexOf(have) >= ROLE_ORDER.indexOf(need)

/** The app's rules (README: viewers read; members run alerting day to day; admins own accounts, webhooks, keys). */
const EXPECTED_ROLE: Record<string, RoleName> = {
  listAccounts: 'viewer',
  createAccount: 'admin',
  awsSetup: 'admin',
  getAccount: 'viewer',
  patchAccount: 'admin',
  deleteAccount: 'admin',
  verifyAccount: 'member',
  listResources: 'viewer',
  getResource: 'viewer',
  getResourceMetrics: 'viewer',
  getCosts: 'viewer',
  getUsage: 'viewer',
  getPlan: 'viewer',
  listAlerts: 'viewer',
  listAlertRules: 'viewer',
  createAlertRule: 'member',
  getAlertRule: 'viewer',
  patchAlertRule: 'member',
  deleteAlertRule: 'member',
  listWebhooks: 'viewer',
  createWebhook: 'admin',
  getWebhook: 'viewer',
  patchWebhook: 'admin',
  deleteWebhook: 'admin',
  rotateWebhookSecret: 'admin',
  testWebhook: 'member',
  listWebhookDeliveries: 'viewer',
  replayDelivery: 'member',
  listSilences: 'viewer',
  createSilence: 'member',
  expireSilence: 'member',
}

/**
 * Route files outside the route list, each with how it is authenticated. A new file must be added
 * here (and, if it is tenant data, to the route list) or this suite fails.
 */
const NON_LIST_ROUTES: Record<string, string> = {
  'GET /api/auth/{...all}': 'better-auth (sign-in/up, sessions, organizations): login.test.ts',
  'POST /api/auth/{...all}': 'better-auth (sign-in/up, sessions, organizations): login.test.ts',
  'GET /api/internal/api-keys': 'withTenant admin, session only: tested below',
  'POST /api/internal/api-keys': 'withTenant admin, session only: tested below',
  'DELETE /api/internal/api-keys/{id}': 'withTenant admin, session only: tested below',
  'POST /api/internal/claim': 'session + signed claim (marketplace): fuzz.test.ts',
  'POST /api/marketplace/aws/fulfillment': 'self-authenticating marketplace message: fuzz.test.ts',
  'POST /api/marketplace/aws/sns': 'self-authenticating marketplace message: fuzz.test.ts',
  'GET /api/marketplace/azure/landing': 'self-authenticating marketplace message: fuzz.test.ts',
  'POST /api/marketplace/azure/webhook': 'self-authenticating marketplace message: fuzz.test.ts',
  'POST /api/marketplace/gcp/events': 'self-authenticating marketplace message: fuzz.test.ts',
  'POST /api/marketplace/gcp/signup': 'self-authenticating marketplace message: fuzz.test.ts',
  'POST /api/marketplace/partner': 'HMAC-signed partner request: fuzz.test.ts',
  'GET /api/v1/accounts/aws-template':
    'HMAC token bound to tenant + ExternalId (fetched by CloudFormation): tested below',
  'GET /api/v1/openapi.json': 'public document',
}

beforeAll(async () => {
  ;({ db, teardown } = await setupSecurityTest())
  routeList = (await import('../../apps/web/src/server/api/routes')).routeList
  settings = await import('../../apps/web/src/server/settings')
  A = await organizationWithEveryPrincipal(db.worker, 'a', { resourcesPerAccount: 8 })
  B = await organizationWithEveryPrincipal(db.worker, 'b', { resourcesPerAccount: 8, accounts: 2 })
  const tenantId = B.tenantId
  bIds.account = (await db.worker.cloudAccount.findMany({ where: { tenantId }, select: { id: true } })).map(
    (x) => x.id,
  )
  bIds.resource = (
    await db.worker.resource.findMany({
      where: { tenantId, type: 'ec2.instance' },
      select: { id: true },
      take: 3,
    })
  ).map((x) => x.id)
  // One of each alerting object in B, written as rows: A must not reach them whatever they contain.
  const rule = await db.worker.alertRule.create({
    data: {
      tenantId,
      name: 'b-rule',
      kind: 'cost',
      spec: { kind: 'cost', condition: { type: 'daily_spend_above', amount: 5 } },
    },
  })
  const ep = await db.worker.webhookEndpoint.create({
    data: {
      tenantId,
      name: 'b-hook',
      format: 'standard',
      urlView: 'https://b.example/hook',
      secrets: {},
      secretsView: [],
    },
  })
  const del = await db.worker.webhookDelivery.create({
    data: {
      tenantId,
      endpointId: ep.id,
      notificationId: 'n1',
      eventType: 'alert.firing',
      payload: {},
      status: 'failed',
    },
  })
  const sil = await db.worker.alertSilence.create({
    data: { tenantId, ruleId: rule.id, startsAt: new Date(), endsAt: new Date(Date.now() + 3600_000) },
  })
  await db.worker.alertInstance.create({
    data: {
      tenantId,
      ruleId: rule.id,
      fingerprint: 'bfp',
      subjectKey: 'b',
      state: 'firing',
      summary: 'B alert',
    },
  })
  Object.assign(bIds, { alertRule: [rule.id], webhook: [ep.id], delivery: [del.id], silence: [sil.id] })
  bIds.apiKey = (await db.worker.apiKey.findMany({ where: { tenantId }, select: { id: true } })).map(
    (x) => x.id,
  )
  bSnapshot = await snapshotB()
}, 120_000)
afterAll(async () => {
  console.info(
    `[security] cross-tenant requests: ${counts.crossTenant}, role-rule requests: ${counts.roleRules}, body-reference requests: ${counts.bodyReferences}`,
  )
  await teardown?.()
})

/** Everything of B that a cross-tenant write could change. */
async function snapshotB(): Promise<string> {
  const where = { tenantId: B.tenantId }
  return JSON.stringify([
    await db.worker.cloudAccount.findMany({
      where,
      orderBy: { id: 'asc' },
      select: { id: true, name: true, status: true, pausedAt: true, regions: true, credentials: true },
    }),
    await db.worker.alertRule.findMany({
      where,
      orderBy: { id: 'asc' },
      select: { id: true, name: true, enabled: true, spec: true },
    }),
    await db.worker.webhookEndpoint.findMany({
      where,
      orderBy: { id: 'asc' },
      select: { id: true, name: true, status: true, secrets: true },
    }),
    await db.worker.webhookDelivery.findMany({
      where,
      orderBy: { id: 'asc' },
      select: { id: true, status: true, attempts: true },
    }),
    await db.worker.alertSilence.findMany({
      where,
      orderBy: { id: 'asc' },
      select: { id: true, endsAt: true },
    }),
    await db.worker.apiKey.findMany({ where, orderBy: { id: 'asc' }, select: { id: true, revokedAt: true } }),
    await db.worker.resource.count({ where }),
  ])
}

/** A body that passes validation, so the request reaches the lookup (a 422 would prove nothing). */
function validBody(r: ApiRoute): unknown {
  switch (r.id) {
    case 'patchAccount':
      return { name: 'pwned' }
    case 'patchAlertRule':
      return { name: 'pwned' }
    case 'patchWebhook':
      return { name: 'pwned' }
    case 'rotateWebhookSecret':
      return { graceHours: 0 }
    default:
      return r.body ? {} : undefined
  }
}
const queryFor = (r: ApiRoute): Record<string, string> =>
  r.id === 'getResourceMetrics' ? { metric: 'CPUUtilization' } : {}
const pathOf = (r: ApiRoute, id: string) => `/api/v1${r.path.replace('{id}', id)}`

const principals = () => A.principals

describe('route inventory', () => {
  it('route files, the route list and /api/v1/openapi.json name the same operations', async () => {
    const files = routeFileExports()
    const fromFiles = files
      .filter((f) => f.target.startsWith('routes.'))
      .map((f) => `${f.method} ${f.path}`)
      .sort()
    const fromList = routeList.map((r) => `${r.method} /api/v1${r.path}`).sort()
    expect(fromFiles).toEqual(fromList)
    // Each file exports the handler of the route with its own method and path.
    for (const f of files.filter((x) => x.target.startsWith('routes.'))) {
      const id = /^routes\.(\w+)\.handler$/.exec(f.target)?.[1]
      const r = routeList.find((x) => x.id === id)
      expect(r, f.file).toBeDefined()
      expect(`${r!.method} /api/v1${r!.path}`, f.file).toBe(`${f.method} ${f.path}`)
    }
    // The route file is `json(openApiDocument(PUBLIC_URL))` (its '@/' imports need Next's resolver, so call the function it serves).
    const openapiFile = files.find((f) => f.path === '/api/v1/openapi.json')!
    expect(readFileSync(`${WEB_ROOT}/${openapiFile.file}`, 'utf8')).toContain('openApiDocument(')
    const { openApiDocument } = await import('../../apps/web/src/server/api/openapi')
    const doc = openApiDocument(PUBLIC_URL) as {
      paths: Record<string, Record<string, { operationId: string }>>
    }
    const fromDoc = Object.entries(doc.paths)
      .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} /api/v1${p}`))
      .sort()
    expect(fromDoc).toEqual(fromList)
    // Everything else is classified.
    const others = files.filter((f) => !f.target.startsWith('routes.')).map((f) => `${f.method} ${f.path}`)
    expect(others.sort()).toEqual(Object.keys(NON_LIST_ROUTES).sort())
    expect(Object.keys(EXPECTED_ROLE).sort()).toEqual(routeList.map((r) => r.id).sort())
  })

  it('server actions: every "use server" module goes through the tenant guard', () => {
    const actions = serverActionModules()
    // Today the app has none (forms call the JSON routes); any future one must call the guard.
    for (const a of actions) expect(a.source, a.file).toMatch(/\b(pageTenant|authorize|withTenant)\(/)
    console.info(`[security] 'use server' modules: ${actions.length}`)
  })

  it('every page under (app) resolves its tenant with pageTenant', () => {
    const tenantPages = pageModules().filter((p) => p.file.includes('(app)'))
    expect(tenantPages.length).toBeGreaterThan(5)
    for (const p of tenantPages) expect(p.source, p.file).toMatch(/\bpageTenant\(/)
  })

  it('the role table: no mutating route is open to viewers, every GET except aws-setup is', () => {
    for (const r of routeList) {
      expect(r.role, r.id).toBe(EXPECTED_ROLE[r.id])
      if (r.method !== 'GET') expect(atLeast(r.role, 'member'), r.id).toBe(true)
    }
  })
})

describe('cross-tenant: every B id answers like a random id, for every principal of A', () => {
  it.each(['account', 'resource', 'alertRule', 'webhook', 'delivery', 'silence'] as const)(
    'B has %s objects to target',
    (k) => {
      expect(bIds[k].length).toBeGreaterThan(0)
    },
  )

  const objectRouteIds = Object.keys(EXPECTED_ROLE).filter(
    (id) =>
      ![
        'listAccounts',
        'createAccount',
        'awsSetup',
        'listResources',
        'getCosts',
        'getUsage',
        'getPlan',
        'listAlerts',
        'listAlertRules',
        'createAlertRule',
        'listWebhooks',
        'createWebhook',
        'listSilences',
        'createSilence',
      ].includes(id),
  )
  it.each(objectRouteIds)('%s', async (routeId) => {
    const r = routeList.find((x) => x.id === routeId)!
    expect(r.tenantObject, `${routeId} addresses a tenant object`).toBeDefined()
    for (const p of principals()) {
      const call = (id: string) =>
        callRaw(r.handler as Handler, {
          method: r.method,
          path: pathOf(r, id),
          params: { id },
          auth: p.auth,
          query: queryFor(r),
          body: validBody(r),
        })
      const control = await call(randomUUID())
      const allowed = atLeast(p.role, r.role)
      expect(control.status, `${p.label} ${r.id} random id: ${control.text}`).toBe(allowed ? 404 : 403)
      for (const id of bIds[r.tenantObject!]) {
        const res = await call(id)
        counts.crossTenant++
        expect(res.status, `${p.label} ${r.id} B:${id}: ${res.text}`).toBe(control.status)
        expect(isErrorShape(res.json)).toBe(true)
        // Same code and message as for an id that exists nowhere: nothing tells B's ids apart.
        const strip = (t: string) =>
          t.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<id>')
        expect(strip(res.text), `${p.label} ${r.id}`).toBe(strip(control.text))
      }
    }
  })

  it('list and aggregate routes never show B data, even when B ids are passed as filters', async () => {
    const lists = routeList.filter((r) => r.method === 'GET' && !r.tenantObject)
    const bNeedles = [...Object.values(bIds).flat(), B.tenantId, 'B alert', 'b-rule', 'b-hook']
    for (const p of principals()) {
      for (const r of lists) {
        const query: Record<string, string> =
          r.id === 'getCosts' || r.id === 'listResources' ? { accountId: bIds.account.join(',') } : {}
        const res = await callRaw(r.handler as Handler, { path: pathOf(r, ''), auth: p.auth, query })
        counts.crossTenant++
        expect(res.status, `${p.label} ${r.id}`).toBe(atLeast(p.role, r.role) ? 200 : 403)
        for (const n of bNeedles) expect(res.text, `${p.label} ${r.id}`).not.toContain(n)
        if (r.id === 'getCosts' && res.status === 200) expect((res.json as { total: number }).total).toBe(0)
        if (r.id === 'listResources' && res.status === 200)
          expect((res.json as { total: number }).total).toBe(0)
      }
    }
  })

  it('B ids inside request bodies (rule endpoints, scopes, silences) are refused and never linked', async () => {
    const owner = principals().find((p) => p.role === 'owner' && p.kind === 'session')!
    const byId = (id: string) => routeList.find((r) => r.id === id)!.handler as Handler
    const rand = (ids: string[]) => ids.map(() => randomUUID())
    const attempts: { route: string; body: (ids: typeof bIds) => unknown }[] = [
      {
        route: 'createAlertRule',
        body: (x) => ({
          name: 'x',
          endpointIds: x.webhook,
          spec: { kind: 'cost', condition: { type: 'daily_spend_above', amount: 1 } },
        }),
      },
      {
        route: 'createAlertRule',
        body: (x) => ({
          name: 'x',
          spec: {
            kind: 'metric_threshold',
            metric: 'CPUUtilization',
            scope: { type: 'resource', resourceIds: x.resource },
            comparison: 'gt',
            threshold: 1,
          },
        }),
      },
      {
        route: 'createAlertRule',
        body: (x) => ({
          name: 'x',
          spec: { kind: 'account_health', condition: { type: 'credentials_failing' }, accountIds: x.account },
        }),
      },
      {
        route: 'createAlertRule',
        body: (x) => ({
          name: 'x',
          spec: { kind: 'cost', condition: { type: 'daily_spend_above', amount: 1 }, accountIds: x.account },
        }),
      },
      {
        route: 'createAlertRule',
        body: (x) => ({
          name: 'x',
          spec: { kind: 'inventory_event', events: ['resource.created'], accountIds: x.account },
        }),
      },
      {
        route: 'createSilence',
        body: (x) => ({
          ruleId: x.alertRule[0],
          startsAt: new Date().toISOString(),
          endsAt: new Date(Date.now() + 60_000).toISOString(),
        }),
      },
    ]
    const randomIds = Object.fromEntries(Object.entries(bIds).map(([k, v]) => [k, rand(v)])) as typeof bIds
    // Keep A under the Free plan's rule limit between attempts (a 402 would hide the answer).
    const clearRules = () => db.worker.alertRule.deleteMany({ where: { tenantId: A.tenantId } })
    for (const a of attempts) {
      await clearRules()
      const res = await callRaw(byId(a.route), {
        method: 'POST',
        path: '/api/v1/x',
        auth: owner.auth,
        body: a.body(bIds),
      })
      await clearRules()
      const control = await callRaw(byId(a.route), {
        method: 'POST',
        path: '/api/v1/x',
        auth: owner.auth,
        body: a.body(randomIds),
      })
      counts.bodyReferences += 2
      expect(res.status, `${a.route} ${res.text}`).toBeLessThan(500)
      // B's ids are treated exactly like ids that exist nowhere (no existence oracle).
      expect(res.status, `${a.route} ${res.text} vs ${control.text}`).toBe(control.status)
      if (res.status >= 400) expect(res.text).toBe(control.text)
      // Accepted scopes (resource/account filters) only ever match the caller's own rows; endpoints and rules never link.
      if (res.status < 300)
        for (const id of [...bIds.webhook, ...bIds.alertRule]) expect(res.text, a.route).not.toContain(id)
    }
    // No link rows from A's rules to B's endpoints, no A silence on B's rule.
    expect(
      await db.worker.alertRuleEndpoint.count({
        where: { endpointId: { in: bIds.webhook }, tenantId: A.tenantId },
      }),
    ).toBe(0)
    expect(
      await db.worker.alertSilence.count({ where: { ruleId: { in: bIds.alertRule }, tenantId: A.tenantId } }),
    ).toBe(0)
  })

  it('internal API-key routes: B key ids are 404 for admins, refused for everyone else; lists show only A keys', async () => {
    for (const p of principals()) {
      const allowed = p.kind === 'session' && atLeast(p.role, 'admin')
      const control = await callRaw(settings.revokeApiKey as Handler, {
        method: 'DELETE',
        params: { id: randomUUID() },
        auth: p.auth,
      })
      expect(control.status, p.label).toBe(allowed ? 404 : 403)
      for (const id of bIds.apiKey) {
        const res = await callRaw(settings.revokeApiKey as Handler, {
          method: 'DELETE',
          params: { id },
          auth: p.auth,
        })
        counts.crossTenant++
        expect(res.status, p.label).toBe(control.status)
        expect((res.json as { error: { message: string } }).error.message).toBe(
          (control.json as { error: { message: string } }).error.message,
        )
      }
      const list = await callRaw(settings.listApiKeys as Handler, { auth: p.auth })
      expect(list.status, p.label).toBe(allowed ? 200 : 403)
      for (const id of bIds.apiKey) expect(list.text).not.toContain(id)
      const create = await callRaw(settings.postApiKey as Handler, { method: 'POST', auth: p.auth, body: {} })
      expect(create.status, p.label).toBe(allowed ? 422 : 403)
    }
  })

  it('AWS ExternalIds: a token issued to B is refused for A (confused deputy), and the template token is bound to its tenant', async () => {
    const accounts = await import('../../apps/web/src/server/accounts')
    const setup = routeList.find((r) => r.id === 'awsSetup')!
    const ownerOf = (o: typeof A) => o.principals.find((p) => p.role === 'owner' && p.kind === 'session')!
    const b = (await callRaw(setup.handler as Handler, { auth: ownerOf(B).auth })).json as {
      externalId: string
      externalIdToken: string
    }
    const a = (await callRaw(setup.handler as Handler, { auth: ownerOf(A).auth })).json as {
      externalId: string
      externalIdToken: string
    }
    const create = routeList.find((r) => r.id === 'createAccount')!
    const res = await callRaw(create.handler as Handler, {
      method: 'POST',
      auth: ownerOf(A).auth,
      body: {
        cloud: 'aws',
        name: 'deputy',
        credentials: {
          method: 'assumeRole',
          roleArn: 'arn:aws:iam::123456789012:role/CmsReadOnly',
          externalId: b.externalId,
        },
        externalIdToken: b.externalIdToken,
      },
    })
    expect(res.status, res.text).toBeGreaterThanOrEqual(400)
    expect(res.status, res.text).toBeLessThan(500)
    expect(await db.worker.cloudAccount.count({ where: { tenantId: A.tenantId, name: 'deputy' } })).toBe(0)
    // The template route (apps/web/src/app/api/v1/accounts/aws-template/route.ts) authorizes with verifyTemplateRequest.
    expect(() => accounts.verifyTemplateRequest(A.tenantId, a.externalId, a.externalIdToken)).not.toThrow()
    expect(() => accounts.verifyTemplateRequest(B.tenantId, a.externalId, a.externalIdToken)).toThrow()
    expect(() => accounts.verifyTemplateRequest(A.tenantId, b.externalId, b.externalIdToken)).toThrow()
  })

  it('a session cannot switch its active organization to B (better-auth answers as for a random id and fails closed)', async () => {
    const { auth } = await import('../../apps/web/src/server/auth')
    const { signIn } = await import('./harness')
    const listAccounts = routeList.find((r) => r.id === 'listAccounts')!.handler as Handler
    for (const role of ['owner', 'admin', 'member', 'viewer'] as const) {
      // Fresh sessions: a refused switch clears the session's active organization (better-auth), and the
      // principals above must keep theirs for the role tests.
      const setActive = async (organizationId: string) => {
        const cookie = await signIn(A.passwords[role].email, A.passwords[role].password)
        const res = await auth().handler(
          new Request(`${PUBLIC_URL}/api/auth/organization/set-active`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', origin: PUBLIC_URL, cookie },
            body: JSON.stringify({ organizationId }),
          }),
        )
        return { status: res.status, text: await res.text(), cookie }
      }
      const control = await setActive(randomUUID())
      const toB = await setActive(B.tenantId)
      expect(toB.status, role).toBe(control.status)
      expect(toB.status, role).toBe(403)
      expect(toB.text.replaceAll(B.tenantId, '<id>')).toBe(
        control.text.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '<id>'),
      )
      const list = await callRaw(listAccounts, { auth: { cookie: toB.cookie } })
      expect([200, 403]).toContain(list.status)
      for (const id of bIds.account) expect(list.text).not.toContain(id)
    }
  })

  it('B is untouched after everything A tried', async () => {
    expect(await snapshotB()).toBe(bSnapshot)
  })
})

describe('roles within A (non-destructive: random ids and invalid bodies show whether the guard let the call through)', () => {
  it.each(Object.keys(EXPECTED_ROLE))('%s', async (routeId) => {
    const r = routeList.find((x) => x.id === routeId)!
    for (const p of principals() as Principal[]) {
      const id = randomUUID()
      // Past the guard, a random id is a 404 and an invalid body a 422; before it, a 403.
      const body = r.body ? { __invalid__: true, name: 12 } : undefined
      const res = await callRaw(r.handler as Handler, {
        method: r.method,
        path: pathOf(r, id),
        params: r.params ? { id } : {},
        auth: p.auth,
        query: queryFor(r),
        body,
      })
      counts.roleRules++
      expect(res.status, `${p.label} ${r.id}: ${res.text}`).toBeLessThan(500)
      if (atLeast(p.role, EXPECTED_ROLE[r.id]!)) {
        expect([401, 403], `${p.label} ${r.id} should pass the guard: ${res.text}`).not.toContain(res.status)
      } else {
        expect(res.status, `${p.label} ${r.id} must be refused`).toBe(403)
        expect((res.json as { error: { code: string } }).error.code).toBe('forbidden')
      }
    }
  })

  it('anonymous and revoked/forged credentials are 401 on every route', async () => {
    for (const r of routeList) {
      for (const auth of [
        {},
        { apiKey: 'cms_deadbeef_notakeynotakeynotakey' },
        { cookie: 'cms.session_token=forged.forged' },
      ]) {
        const res = await callRaw(r.handler as Handler, {
          method: r.method,
          path: pathOf(r, randomUUID()),
          params: { id: randomUUID() },
          auth,
          body: r.body ? {} : undefined,
        })
        counts.roleRules++
        expect(res.status, `${r.id} ${JSON.stringify(auth)}`).toBe(401)
        expect(isErrorShape(res.json)).toBe(true)
      }
    }
  })
})
