/**
 * Issue 10 (2): a deterministic fuzz pass over every /api/v1 route (from the route list and its
 * OpenAPI document), the internal routes, and the marketplace/partner edges (enabled against
 * cloudsim's marketplaces, with valid signatures where that lets a hostile body reach the parser).
 *
 * Per route: invalid ids in the path; every query parameter of the OpenAPI document with wrong types,
 * unicode, NUL bytes and huge values; every body field (leaves of a valid body plus every property the
 * schema names) replaced by values of the wrong type, removed, or joined by unknown ones; non-object
 * and malformed JSON; a 5 MB body; 100 000-deep nesting; wrong content types; hostile headers.
 * Invariant: no response ≥ 500, and every 4xx of our own routes is the one JSON error shape.
 * Seeded (mulberry32), bounded, and run with a little concurrency to stay well under 60 s.
 */
import { writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startCloudSim, type CloudSim } from '@cms/cloudsim'
import type { TestDatabase } from '@cms/db/testing'
import { signPartnerRequest } from '@cms/marketplace'
import type { ApiRoute } from '../../apps/web/src/server/api/define-route'
import type * as Marketplace from '../../apps/web/src/server/marketplace'
import type * as Settings from '../../apps/web/src/server/settings'
import {
  callRaw,
  isErrorShape,
  organizationWithEveryPrincipal,
  prng,
  PUBLIC_URL,
  setupSecurityTest,
  type CallOptions,
  type Handler,
  type RawResponse,
} from './harness'

const SEED = 0x5ec10
const PARTNER_SECRET = 'partner-secret-fuzz-0123456789'
let sim: CloudSim
let db: TestDatabase
let teardown: () => Promise<void>
let routeList: ApiRoute[]
let openapi: {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: { name: string; in: string }[]
        requestBody?: { content: Record<string, { schema: Json }> }
      }
    >
  >
}
let mp: typeof Marketplace
let settings: typeof Settings
let writeKey = ''
let ownerCookie = ''
let receiver: Server
let receiverUrl = ''
const own: Record<string, string> = {}

type Json = Record<string, unknown>

interface Finding {
  route: string
  case: string
  status: number
  body: string
}
let findings: Finding[] = []
const allFindings: Finding[] = []
beforeEach(() => {
  findings = []
})
const stats = { sent: 0, byStatus: new Map<number, number>() }

beforeAll(async () => {
  sim = await startCloudSim({ port: 0, seed: 23, scenario: 'minimal' })
  const c = sim.marketplace!.config()
  const poller = sim.control.poller()
  const gcpSa = sim.control.accounts().find((a) => a.cloud === 'gcp')!.credentials
  ;({ db, teardown } = await setupSecurityTest({
    CMS_WEBHOOK_ALLOW_PRIVATE: '1',
    CMS_AWS_ENDPOINT: sim.urls.aws,
    CMS_AZURE_ENDPOINT: sim.urls.azure,
    CMS_GCP_ENDPOINT: sim.urls.gcp,
    CMS_NCP_ENDPOINT: sim.urls.ncp,
    CMS_AWS_ACCESS_KEY_ID: poller.accessKeyId,
    CMS_AWS_SECRET_ACCESS_KEY: poller.secretAccessKey,
    CMS_CLOUD_CA_FILE: sim.caCertFile,
    CMS_MP_SNS_CERT_HOST_PATTERN: c.snsCertHostPattern,
    CMS_MP_AZURE_API_BASE: c.azure.apiBase,
    CMS_MP_AZURE_AUTHORITY: c.azure.authority,
    CMS_MP_AZURE_TENANT_ID: c.azure.tenantId,
    CMS_MP_AZURE_CLIENT_ID: c.azure.clientId,
    CMS_MP_AZURE_CLIENT_SECRET: c.azure.clientSecret,
    CMS_MP_GCP_API_BASE: c.gcp.apiBase,
    CMS_MP_GCP_PROVIDER_ID: c.gcp.providerId,
    CMS_MP_GCP_AUDIENCE: 'cms.example',
    CMS_MP_GCP_CERTS_URL: c.gcp.certsUrl,
    CMS_MP_GCP_SERVICE_ACCOUNT: JSON.stringify(gcpSa),
    CMS_MP_GCP_PUSH_AUDIENCE: 'https://cms.example/api/marketplace/gcp/events',
    CMS_MP_GCP_PUSH_SERVICE_ACCOUNT: c.gcp.pushServiceAccount,
    CMS_MP_GCP_OIDC_CERTS_URL: c.gcp.oidcCertsUrl,
    CMS_MP_PARTNER_SECRETS: `kt-cloud=${PARTNER_SECRET}`,
    // A notification to the scheduler must not reach a real queue: nobody listens on this prefix.
    CMS_QUEUE_PREFIX: `fuzz-${randomUUID().slice(0, 8)}`,
  }))
  routeList = (await import('../../apps/web/src/server/api/routes')).routeList
  openapi = (await import('../../apps/web/src/server/api/openapi')).openApiDocument(
    PUBLIC_URL,
  ) as typeof openapi
  mp = await import('../../apps/web/src/server/marketplace')
  settings = await import('../../apps/web/src/server/settings')
  const org = await organizationWithEveryPrincipal(db.worker, 'fz', { resourcesPerAccount: 6 })
  writeKey = org.principals.find((p) => p.label.endsWith('write key'))!.auth.apiKey!
  ownerCookie = org.principals.find((p) => p.role === 'owner')!.auth.cookie!
  await db.worker.organization
    .update({ where: { id: org.tenantId }, data: { planId: 'enterprise' } })
    .catch(() => undefined)

  receiver = createServer((req, res) => {
    req.resume()
    req.on('end', () => res.writeHead(200).end('ok'))
  })
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r))
  receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`

  // Own objects, so fuzzed requests with a valid id reach past the lookup.
  const byId = (id: string) => routeList.find((r) => r.id === id)!.handler as Handler
  const auth = { apiKey: writeKey }
  // A real account (cloudsim credentials through the API): the seeded estate's accounts hold placeholder
  // envelopes that no key opens, which verify would rightly report as a server fault.
  const simAws = sim.control.accounts().find((a) => a.cloud === 'aws')!
  if (simAws.cloud !== 'aws') throw new Error('no AWS account in cloudsim')
  const created = await callRaw(byId('createAccount'), {
    method: 'POST',
    auth,
    body: {
      cloud: 'aws',
      name: 'fz-real',
      credentials: simAws.credentials.accessKeys,
      regions: simAws.regions.slice(0, 1),
    },
  })
  own.account = (created.json as { account: { id: string } }).account.id
  own.resource = (
    await db.worker.resource.findFirstOrThrow({ where: { tenantId: org.tenantId, type: 'ec2.instance' } })
  ).id
  own.alertRule = (
    (await callRaw(byId('createAlertRule'), { method: 'POST', auth, body: baseBody('createAlertRule') }))
      .json as { id: string }
  ).id
  own.webhook = (
    (await callRaw(byId('createWebhook'), { method: 'POST', auth, body: baseBody('createWebhook') }))
      .json as { endpoint: { id: string } }
  ).endpoint.id
  own.silence = (
    (await callRaw(byId('createSilence'), { method: 'POST', auth, body: baseBody('createSilence') }))
      .json as { id: string }
  ).id
  own.delivery = (
    (await callRaw(byId('testWebhook'), { method: 'POST', params: { id: own.webhook }, auth })).json as {
      delivery: { id: string }
    }
  ).delivery.id
  for (const [k, v] of Object.entries(own)) expect(v, k).toMatch(/^[0-9a-f-]{36}$/)
}, 120_000)

afterAll(async () => {
  const hist = [...stats.byStatus.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([s, n]) => `${s}×${n}`)
    .join(' ')
  console.info(
    `[security] fuzz requests sent: ${stats.sent}; statuses: ${hist}; findings: ${allFindings.length}`,
  )
  if (process.env.FUZZ_FINDINGS_FILE)
    writeFileSync(process.env.FUZZ_FINDINGS_FILE, JSON.stringify(allFindings, null, 1))
  receiver?.close()
  await teardown?.()
  await sim?.stop()
})

// ------------------------------------------------------------------ values

const HUGE = 'A'.repeat(5 * 1024 * 1024)
const UNICODE = [
  '😀🔥',
  '\u202eevil\u202c',
  'ﷺ',
  'e\u0301',
  '\u0000',
  'a\u0000b',
  '\uD800',
  '\uFFFF',
  'İı',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  '\r\n\t',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  '${jndi:ldap://x}',
  '../../etc/passwd',
  '%00',
  '%s%n',
]
const BAD_VALUES: unknown[] = [
  null,
  0,
  -1,
  1.5,
  1e308,
  -1e308,
  Number.MAX_SAFE_INTEGER + 2,
  true,
  false,
  '',
  ' ',
  'x'.repeat(100_000),
  [],
  [null],
  {},
  { $gt: '' },
  JSON.parse('{"__proto__":{"polluted":true}}') as unknown,
  ...UNICODE,
]
const BAD_IDS = [
  '',
  'not-a-uuid',
  '0',
  '-1',
  '1e9',
  'null',
  'undefined',
  '[object Object]',
  '00000000-0000-0000-0000-000000000000',
  'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF',
  `{${randomUUID()}}`,
  `${randomUUID()}x`,
  ` ${randomUUID()}`,
  `${randomUUID()}\u0000`,
  'x'.repeat(10_000),
  ...UNICODE,
]
const BAD_QUERY = [
  '',
  ' ',
  '-1',
  '0',
  '1e309',
  'NaN',
  'Infinity',
  '0x10',
  '9'.repeat(400),
  'true',
  '[]',
  '{}',
  'a,b,,c,',
  ',,,',
  '2024-13-45',
  '2023-02-29',
  '0000-01-01',
  '9999-12-31',
  '9999-12-31T23:59:59Z',
  '0000-01-01T00:00:00Z',
  '-271821-04-20T00:00:00Z',
  '2024-01-01T00:00:00+25:00',
  'x'.repeat(20_000),
  ...UNICODE,
]

/** A random JSON value (bounded depth), for fields the fixed lists miss. */
function randomJson(rnd: () => number, depth = 0): unknown {
  const k = Math.floor(rnd() * (depth > 3 ? 5 : 7))
  switch (k) {
    case 0:
      return null
    case 1:
      return Math.floor((rnd() - 0.5) * 2 ** Math.floor(rnd() * 60))
    case 2:
      return rnd() < 0.5
    case 3:
      return UNICODE[Math.floor(rnd() * UNICODE.length)]! + String.fromCharCode(Math.floor(rnd() * 0xffff))
    case 4:
      return 'r'.repeat(Math.floor(rnd() * 300))
    case 5:
      return Array.from({ length: Math.floor(rnd() * 4) }, () => randomJson(rnd, depth + 1))
    default:
      return Object.fromEntries(
        Array.from({ length: Math.floor(rnd() * 4) }, (_, i) => [
          `k${i}${UNICODE[i % UNICODE.length]}`,
          randomJson(rnd, depth + 1),
        ]),
      )
  }
}

function deep(n: number, kind: 'array' | 'object'): string {
  return kind === 'array' ? '['.repeat(n) + ']'.repeat(n) : '{"a":'.repeat(n) + '1' + '}'.repeat(n)
}

/** A body that passes validation for each body route (fuzzing mutates it one field at a time). */
function baseBody(id: string): Json {
  const now = Date.now()
  switch (id) {
    case 'createAccount':
      return {
        cloud: 'aws',
        name: 'fz',
        credentials: {
          method: 'accessKeys',
          accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
          secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
        },
      }
    case 'patchAccount':
      return { name: 'fz', regions: ['us-east-1'], paused: false }
    case 'createAlertRule':
      return {
        name: 'fz',
        severity: 'info',
        endpointIds: [],
        spec: {
          kind: 'metric_threshold',
          metric: 'CPUUtilization',
          scope: { type: 'resource_type', resourceType: 'ec2.instance' },
          comparison: 'gt',
          threshold: 90,
        },
      }
    case 'patchAlertRule':
      return { name: 'fz', enabled: true, renotifyMinutes: 60 }
    case 'createWebhook':
      return { format: 'standard', name: 'fz', url: receiverUrl }
    case 'patchWebhook':
      return { name: 'fz', status: 'active' }
    case 'rotateWebhookSecret':
      return { graceHours: 1 }
    case 'createSilence':
      return {
        matchers: { env: 'prod' },
        startsAt: new Date(now).toISOString(),
        endsAt: new Date(now + 3600_000).toISOString(),
        comment: 'fz',
      }
    case 'postApiKey':
      return { name: 'fz', scope: 'read' }
    default:
      return {}
  }
}

/** Every leaf path of a JSON value (arrays and objects included as their own paths). */
function paths(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = prefix.length ? [prefix] : []
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...prefix, i])))
  else if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...prefix, k]))
  return out
}
function withValue(base: unknown, path: (string | number)[], value: unknown, remove = false): unknown {
  const copy = structuredClone(base) as Json
  let cur: Json = copy
  for (const p of path.slice(0, -1)) cur = cur[p as string] as Json
  const last = path.at(-1)!
  if (remove) {
    if (Array.isArray(cur)) cur.splice(last as number, 1)
    else delete cur[last as string]
  } else cur[last as string] = value
  return copy
}

/** Property names a JSON schema mentions (through anyOf/oneOf/allOf and nested objects). */
function schemaProps(s: unknown, out = new Set<string>()): Set<string> {
  if (!s || typeof s !== 'object') return out
  const o = s as Json
  for (const [k, v] of Object.entries((o.properties as Json | undefined) ?? {})) {
    out.add(k)
    schemaProps(v, out)
  }
  for (const key of ['anyOf', 'oneOf', 'allOf', 'prefixItems'])
    for (const x of (o[key] as unknown[] | undefined) ?? []) schemaProps(x, out)
  if (o.items) schemaProps(o.items, out)
  return out
}

// ------------------------------------------------------------------ runner

async function run(
  route: string,
  label: string,
  fn: () => Promise<RawResponse>,
  opts: { ownShape: boolean },
): Promise<void> {
  let res: RawResponse
  try {
    res = await fn()
  } catch (e) {
    // A handler that throws instead of answering is a 500 in Next.
    res = { status: 599, headers: new Headers(), text: `threw: ${(e as Error).message}`, json: undefined }
  }
  stats.sent++
  stats.byStatus.set(res.status, (stats.byStatus.get(res.status) ?? 0) + 1)
  const badShape = opts.ownShape && res.status >= 400 && res.status < 500 && !isErrorShape(res.json)
  if (res.status >= 500 || badShape) {
    const f = { route, case: label.slice(0, 200), status: res.status, body: res.text.slice(0, 300) }
    findings.push(f)
    allFindings.push(f)
  }
}

/** Run `jobs` with a small concurrency (2 cores; the database pools are 6). */
async function pool(jobs: (() => Promise<void>)[], n = 4): Promise<void> {
  let i = 0
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (i < jobs.length) await jobs[i++]!()
    }),
  )
}

function casesForApiRoute(r: ApiRoute, rnd: () => number): { label: string; o: CallOptions }[] {
  const cases: { label: string; o: CallOptions }[] = []
  const auth = { apiKey: writeKey }
  const ownId = r.tenantObject ? own[r.tenantObject]! : undefined
  const destructive = r.method === 'DELETE'
  // Deletes keep the objects alive for the other routes: they get a random id, never the own one.
  const id = r.params ? (destructive ? randomUUID() : ownId!) : undefined
  const params: Record<string, string> = id ? { id } : {}
  const path = `/api/v1${r.path.replace('{id}', id ?? '')}`
  const body = r.body ? baseBody(r.id) : undefined
  const base: CallOptions = { method: r.method, path, params, auth, ...(body ? { body } : {}) }
  const op = openapi.paths[r.path]![r.method.toLowerCase()]!
  const queryNames = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name)
  const baseQuery: Record<string, string> = r.id === 'getResourceMetrics' ? { metric: 'CPUUtilization' } : {}

  // Path ids.
  if (r.params)
    for (const bad of BAD_IDS)
      cases.push({ label: `id=${JSON.stringify(bad).slice(0, 40)}`, o: { ...base, params: { id: bad } } })
  if (r.params)
    cases.push({
      label: 'id as array',
      o: { ...base, params: { id: [randomUUID(), randomUUID()] } as unknown as Record<string, string> },
    })

  // Query parameters named by the OpenAPI document.
  for (const q of queryNames) {
    for (const v of BAD_QUERY)
      cases.push({
        label: `query ${q}=${JSON.stringify(v).slice(0, 40)}`,
        o: { ...base, query: { ...baseQuery, [q]: v } },
      })
    cases.push({
      label: `query ${q} repeated`,
      o: {
        ...base,
        query: new URLSearchParams([...Object.entries(baseQuery), [q, 'a'], [q, 'b']]).toString(),
      },
    })
  }
  cases.push({
    label: 'query: unknown params and junk encoding',
    o: {
      ...base,
      query: `${new URLSearchParams(baseQuery).toString()}&__proto__=x&constructor=y&%zz=%ff&a[b]=1`,
    },
  })
  for (let i = 0; i < 4 && queryNames.length; i++) {
    const q = Object.fromEntries(queryNames.map((n) => [n, BAD_QUERY[Math.floor(rnd() * BAD_QUERY.length)]!]))
    cases.push({
      label: `query random ${JSON.stringify(q).slice(0, 80)}`,
      o: { ...base, query: { ...baseQuery, ...q } },
    })
  }

  if (r.body && body) {
    const props = schemaProps(op.requestBody?.content['application/json']?.schema)
    // Every leaf of a valid body × every bad value; each leaf removed.
    for (const p of paths(body)) {
      for (const v of BAD_VALUES)
        cases.push({
          label: `body ${p.join('.')}=${JSON.stringify(v)?.slice(0, 40)}`,
          o: { ...base, body: withValue(body, p, v) },
        })
      cases.push({
        label: `body without ${p.join('.')}`,
        o: { ...base, body: withValue(body, p, undefined, true) },
      })
    }
    // Properties the schema names that the base body does not use.
    for (const name of props) {
      if (name in body) continue
      for (const v of [null, 1, 'x', [], {}, 'x'.repeat(100_000), '\u0000'])
        cases.push({
          label: `body +${name}=${JSON.stringify(v).slice(0, 30)}`,
          o: { ...base, body: { ...body, [name]: v } },
        })
    }
    for (let i = 0; i < 12; i++) {
      const b = structuredClone(body)
      const ps = paths(b)
      const p = ps[Math.floor(rnd() * ps.length)]!
      cases.push({
        label: `body random #${i} at ${p.join('.')}`,
        o: { ...base, body: withValue(b, p, randomJson(rnd)) },
      })
    }
    cases.push({ label: 'body: unknown field', o: { ...base, body: { ...body, unknownField: 1 } } })
    cases.push({
      label: 'body: prototype keys',
      o: {
        ...base,
        rawBody: JSON.stringify(body).replace(
          /^\{/,
          '{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}},',
        ),
      },
    })
    for (const top of ['null', '[]', '"str"', '123', 'true', '[{}]'])
      cases.push({ label: `body top-level ${top}`, o: { ...base, rawBody: top } })
    for (const raw of [
      '{',
      '{"a":',
      '{"a":1,}',
      "{'a':1}",
      '\uFEFF{}',
      '{"a":"\\ud800"}',
      'NaN',
      '{"a":1}{"b":2}',
      '\u0000',
    ])
      cases.push({ label: `body malformed ${JSON.stringify(raw)}`, o: { ...base, rawBody: raw } })
    cases.push({
      label: 'body invalid UTF-8',
      o: { ...base, rawBody: new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]) },
    })
    cases.push({ label: 'body 5 MB string field', o: { ...base, body: { ...body, name: HUGE } } })
    cases.push({
      label: 'body 5 MB of JSON',
      o: { ...base, rawBody: `{"pad":[${'0,'.repeat(2.5 * 1024 * 1024)}0]}` },
    })
    cases.push({ label: 'body 100k-deep arrays', o: { ...base, rawBody: deep(100_000, 'array') } })
    cases.push({ label: 'body 100k-deep objects', o: { ...base, rawBody: deep(100_000, 'object') } })
    const firstKey = Object.keys(body)[0]!
    cases.push({
      label: `body 5k-deep value in ${firstKey}`,
      o: {
        ...base,
        rawBody: JSON.stringify({ ...body, [firstKey]: null }).replace('null', deep(5000, 'object')),
      },
    })
    for (const ct of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/xml',
      'application/json; charset=utf-16',
    ]) {
      cases.push({
        label: `content-type ${ct}`,
        o: { ...base, contentType: ct, rawBody: JSON.stringify(body) },
      })
    }
    cases.push({ label: 'no content-type', o: { ...base, contentType: null, rawBody: JSON.stringify(body) } })
    cases.push({
      label: 'form body',
      o: { ...base, contentType: 'application/x-www-form-urlencoded', rawBody: 'name=x&format=standard' },
    })
  } else if (r.method !== 'GET') {
    // Routes without a body: a body of any kind must not matter.
    cases.push({ label: 'unexpected body', o: { ...base, rawBody: deep(1000, 'array') } })
    cases.push({ label: 'unexpected 5 MB body', o: { ...base, rawBody: HUGE } })
  }
  return cases
}

describe('fuzz', () => {
  it('every /api/v1 route: invalid ids, query params, bodies, sizes, encodings → no 5xx, one error shape', async () => {
    const rnd = prng(SEED)
    const jobs: (() => Promise<void>)[] = []
    // Deletes last, so the own objects survive the other routes' cases.
    const ordered = [
      ...routeList.filter((r) => r.method !== 'DELETE'),
      ...routeList.filter((r) => r.method === 'DELETE'),
    ]
    for (const r of ordered) {
      for (const c of casesForApiRoute(r, rnd))
        jobs.push(() => run(r.id, c.label, () => callRaw(r.handler as Handler, c.o), { ownShape: true }))
    }
    await pool(jobs)
    expect(findings, JSON.stringify(findings.slice(0, 20), null, 1)).toEqual([])
  }, 120_000)

  it('hostile credentials in headers → 401 with the error shape, never 5xx', async () => {
    const r = routeList.find((x) => x.id === 'listAccounts')!
    // Header values are ByteStrings without NUL/CR/LF (Node's HTTP parser refuses anything else before
    // Next sees it), so the hostile range here is latin-1.
    const bearer = [
      'Bearer',
      'Bearer ',
      `Bearer ${'x'.repeat(100_000)}`,
      'Bearer cms_\xff\xfe\xfd\xfc_aaaaaaaaaaaaaaaaaaaaaaaa',
      'Bearer cms_deadbeef_\x7faaaaaaaaaaaaaaaaaaaa',
      'Basic YTpi',
      'bearer  cms_deadbeef_aaaaaaaaaaaaaaaaaaaaaaaa extra',
      `Bearer ${writeKey}x`,
      `Bearer ${writeKey.slice(0, -1)}`,
      `Bearer ${writeKey.toUpperCase()}`,
    ]
    const cookies = [
      `cms.session_token=${'x'.repeat(50_000)}`,
      'cms.session_token=%ff%fe',
      'cms.session_token=a.b.c; cms.session_token=d',
      '=;=;=',
      'cms.session_token="\xff"',
      'cms.session_token=%00',
    ]
    const jobs = [
      ...bearer.map(
        (h) => () =>
          run(
            r.id,
            `authorization ${h.slice(0, 40)}`,
            () => callRaw(r.handler as Handler, { headers: { authorization: h } }),
            { ownShape: true },
          ),
      ),
      ...cookies.map(
        (c) => () =>
          run(
            r.id,
            `cookie ${c.slice(0, 40)}`,
            () => callRaw(r.handler as Handler, { headers: { cookie: c } }),
            { ownShape: true },
          ),
      ),
    ]
    await pool(jobs)
    expect(findings, JSON.stringify(findings.slice(0, 20), null, 1)).toEqual([])
  })

  it('internal routes (API keys, claim) with an owner session', async () => {
    const rnd = prng(SEED + 1)
    const auth = { cookie: ownerCookie }
    const jobs: (() => Promise<void>)[] = []
    const body = baseBody('postApiKey')
    for (const p of paths(body))
      for (const v of BAD_VALUES)
        jobs.push(() =>
          run(
            'postApiKey',
            `${p.join('.')}=${JSON.stringify(v)?.slice(0, 30)}`,
            () =>
              callRaw(settings.postApiKey as Handler, { method: 'POST', auth, body: withValue(body, p, v) }),
            { ownShape: true },
          ),
        )
    for (const raw of ['', '{', 'null', '[]', HUGE, deep(100_000, 'array')])
      jobs.push(() =>
        run(
          'postApiKey',
          `raw ${raw.slice(0, 20)}`,
          () => callRaw(settings.postApiKey as Handler, { method: 'POST', auth, rawBody: raw }),
          { ownShape: true },
        ),
      )
    for (const id of BAD_IDS)
      jobs.push(() =>
        run(
          'revokeApiKey',
          `id=${id.slice(0, 30)}`,
          () => callRaw(settings.revokeApiKey as Handler, { method: 'DELETE', auth, params: { id } }),
          { ownShape: true },
        ),
      )
    const claims: unknown[] = [
      ...BAD_VALUES,
      'a.b',
      'a.b.c',
      `${'x'.repeat(10_000)}.${'y'.repeat(100)}`,
      ...Array.from({ length: 10 }, () => randomJson(rnd)),
    ]
    for (const claim of claims)
      jobs.push(() =>
        run(
          'redeemClaim',
          `claim=${JSON.stringify(claim)?.slice(0, 30)}`,
          () =>
            callRaw(mp.redeemClaim, { method: 'POST', path: '/api/internal/claim', auth, body: { claim } }),
          { ownShape: true },
        ),
      )
    for (const raw of ['', '{', 'null', '[]', '"x"', HUGE, deep(100_000, 'object')])
      jobs.push(() =>
        run(
          'redeemClaim',
          `raw ${raw.slice(0, 20)}`,
          () => callRaw(mp.redeemClaim, { method: 'POST', path: '/api/internal/claim', auth, rawBody: raw }),
          { ownShape: true },
        ),
      )
    await pool(jobs)
    expect(findings, JSON.stringify(findings.slice(0, 20), null, 1)).toEqual([])
  })

  it('marketplace and partner edges (enabled against cloudsim; valid signatures where that lets the body through)', async () => {
    const rnd = prng(SEED + 2)
    const bodies: string[] = [
      '',
      '{',
      'null',
      '[]',
      '"x"',
      '123',
      '{}',
      HUGE,
      deep(100_000, 'array'),
      deep(100_000, 'object'),
      '\u0000',
      '\uFEFF{}',
      ...BAD_VALUES.map((v) =>
        JSON.stringify({
          Type: v,
          Message: v,
          action: v,
          subscriptionId: v,
          id: v,
          eventType: v,
          entitlement: v,
          account: v,
          message: v,
          subscription: v,
        }),
      ),
      ...Array.from({ length: 20 }, () => JSON.stringify(randomJson(rnd))),
      JSON.stringify({
        message: {
          data: Buffer.from(
            '{"eventType":"ENTITLEMENT_CREATION_REQUESTED","entitlement":{"id":"x"}}',
          ).toString('base64'),
        },
      }),
      JSON.stringify({ message: { data: 'not-base64-%%%' } }),
      JSON.stringify({ message: { data: Buffer.from('not json').toString('base64') } }),
      JSON.stringify({ message: { data: Buffer.from(deep(10_000, 'array')).toString('base64') } }),
    ]
    const jsonPost = (path: string, body: string, headers: Record<string, string> = {}): CallOptions => ({
      method: 'POST',
      path,
      rawBody: body,
      headers,
    })
    const edge =
      (h: (req: Request) => Promise<Response>): Handler =>
      (req) =>
        h(req)
    const azureToken = await sim.marketplace!.azure.webhookToken()
    // Authenticated pushes, so the bodies reach the event parser.
    const gcpToken = await sim.marketplace!.gcp.pushToken({
      audience: 'https://cms.example/api/marketplace/gcp/events',
    })
    const jobs: (() => Promise<void>)[] = []
    for (const b of bodies) {
      jobs.push(() =>
        run(
          'awsSns',
          b.slice(0, 30),
          () => callRaw(edge(mp.awsSns), jsonPost('/api/marketplace/aws/sns', b)),
          { ownShape: true },
        ),
      )
      jobs.push(() =>
        run(
          'gcpEvents',
          b.slice(0, 30),
          () =>
            callRaw(
              edge(mp.gcpEvents),
              jsonPost('/api/marketplace/gcp/events', b, { authorization: `Bearer ${gcpToken}` }),
            ),
          { ownShape: true },
        ),
      )
      jobs.push(() =>
        run(
          'azureWebhook',
          b.slice(0, 30),
          () =>
            callRaw(
              edge(mp.azureWebhook),
              jsonPost('/api/marketplace/azure/webhook', b, { authorization: `Bearer ${azureToken}` }),
            ),
          { ownShape: true },
        ),
      )
      const ts = Math.floor(Date.now() / 1000)
      const rid = randomUUID()
      jobs.push(() =>
        run(
          'partner',
          b.slice(0, 30),
          () =>
            callRaw(
              edge(mp.partnerProvisioning),
              jsonPost('/api/marketplace/partner', b, {
                'partner-id': 'kt-cloud',
                'request-id': rid,
                'request-timestamp': String(ts),
                'request-signature': signPartnerRequest(PARTNER_SECRET, rid, ts, b),
              }),
            ),
          { ownShape: true },
        ),
      )
    }
    const tokens = [
      '',
      'x',
      'a.b.c',
      `${'x'.repeat(20_000)}`,
      'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
      'eyJhbGciOiJIUzI1NiJ9.e30.c2ln',
      ...UNICODE,
    ]
    for (const t of tokens) {
      jobs.push(() =>
        run(
          'awsFulfillment',
          t.slice(0, 30),
          () =>
            callRaw(edge(mp.awsFulfillment), {
              method: 'POST',
              path: '/api/marketplace/aws/fulfillment',
              contentType: 'application/x-www-form-urlencoded',
              rawBody: new URLSearchParams({ 'x-amzn-marketplace-token': t }).toString(),
            }),
          { ownShape: true },
        ),
      )
      jobs.push(() =>
        run(
          'gcpSignup',
          t.slice(0, 30),
          () =>
            callRaw(edge(mp.gcpSignup), {
              method: 'POST',
              path: '/api/marketplace/gcp/signup',
              contentType: 'application/x-www-form-urlencoded',
              rawBody: new URLSearchParams({ 'x-gcp-marketplace-token': t }).toString(),
            }),
          { ownShape: true },
        ),
      )
      jobs.push(() =>
        run(
          'azureLanding',
          t.slice(0, 30),
          () =>
            callRaw(edge(mp.azureLanding), { path: '/api/marketplace/azure/landing', query: { token: t } }),
          { ownShape: true },
        ),
      )
      const latin1 = t.replace(/[^\x20-\xff]/g, '\xff')
      jobs.push(() =>
        run(
          'azureWebhook auth',
          t.slice(0, 30),
          () =>
            callRaw(
              edge(mp.azureWebhook),
              jsonPost('/api/marketplace/azure/webhook', '{}', { authorization: `Bearer ${latin1}` }),
            ),
          { ownShape: true },
        ),
      )
      jobs.push(() =>
        run(
          'partner headers',
          t.slice(0, 30),
          () =>
            callRaw(
              edge(mp.partnerProvisioning),
              jsonPost('/api/marketplace/partner', '{}', {
                'partner-id': t.replace(/[^\x20-\x7e]/g, '?'),
                'request-id': 'x',
                'request-timestamp': t.replace(/[^\x20-\x7e]/g, '?'),
                'request-signature': 'x',
              }),
            ),
          { ownShape: true },
        ),
      )
    }
    for (const ct of [
      'application/json',
      'text/plain',
      'multipart/form-data; boundary=zz',
      'multipart/form-data',
      '',
    ]) {
      jobs.push(() =>
        run(
          'awsFulfillment content-type',
          ct,
          () =>
            callRaw(edge(mp.awsFulfillment), {
              method: 'POST',
              path: '/api/marketplace/aws/fulfillment',
              contentType: ct || null,
              rawBody: '--zz\r\nbroken',
            }),
          { ownShape: true },
        ),
      )
      jobs.push(() =>
        run(
          'gcpSignup content-type',
          ct,
          () =>
            callRaw(edge(mp.gcpSignup), {
              method: 'POST',
              path: '/api/marketplace/gcp/signup',
              contentType: ct || null,
              rawBody: '--zz\r\nbroken',
            }),
          { ownShape: true },
        ),
      )
    }
    jobs.push(() =>
      run(
        'awsFulfillment 5 MB form',
        '',
        () =>
          callRaw(edge(mp.awsFulfillment), {
            method: 'POST',
            path: '/api/marketplace/aws/fulfillment',
            contentType: 'application/x-www-form-urlencoded',
            rawBody: `x-amzn-marketplace-token=${HUGE}`,
          }),
        { ownShape: true },
      ),
    )
    await pool(jobs)
    expect(findings, JSON.stringify(findings.slice(0, 20), null, 1)).toEqual([])
  }, 60_000)

  it('better-auth endpoints: wrong types and huge values are never 5xx', async () => {
    const { auth } = await import('../../apps/web/src/server/auth')
    const jobs: (() => Promise<void>)[] = []
    let ip = 0
    for (const path of ['/sign-in/email', '/sign-up/email', '/request-password-reset']) {
      for (const v of [...BAD_VALUES, 'x'.repeat(1_000_000)]) {
        const body = JSON.stringify({ email: v, password: v, name: v })
        const addr = `192.0.2.${(ip++ % 250) + 1}`
        jobs.push(() =>
          run(
            `auth ${path}`,
            JSON.stringify(v)?.slice(0, 30) ?? '',
            () =>
              callRaw((req) => auth().handler(req), {
                method: 'POST',
                path: `/api/auth${path}`,
                rawBody: body,
                headers: { 'x-forwarded-for': addr },
              }),
            { ownShape: false },
          ),
        )
      }
      for (const raw of ['{', 'null', '[]', deep(100_000, 'array')]) {
        jobs.push(() =>
          run(
            `auth ${path}`,
            raw.slice(0, 20),
            () =>
              callRaw((req) => auth().handler(req), {
                method: 'POST',
                path: `/api/auth${path}`,
                rawBody: raw,
                headers: { 'x-forwarded-for': `192.0.2.${(ip++ % 250) + 1}` },
              }),
            { ownShape: false },
          ),
        )
      }
    }
    await pool(jobs, 2)
    expect(findings, JSON.stringify(findings.slice(0, 20), null, 1)).toEqual([])
  }, 60_000)
})
