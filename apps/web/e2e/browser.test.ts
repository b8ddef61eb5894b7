/**
 * Issue 7's Done-when, walked in real Chromium against the production build (`next build` + `next start`):
 * signup → create organization → connect a cloudsim AWS account via the role flow → resources appear
 * (auto-refresh, at most one reload) → open a resource → chart shows points → switch to Korean → the
 * page is Korean → connect a Naver Cloud account (sub-account key pair, in Korean) → its servers in the inventory.
 * Screenshots of each page go to test-results/screenshots/. `.next` is (re)built when
 * missing or older than a source file.
 *
 * Nothing is seeded: cloudsim plays the clouds, a real scheduler worker (real @cms/providers registry,
 * official SDKs over HTTP) runs in this process, and the web server points at the same simulator and
 * queue prefix, so the web's account-changed notification starts discovery. The only set-up done as
 * data is what an operator would do: a plan with a short minimum poll interval and the organization's
 * schedule overrides, so the walk does not wait a minute per poll.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { chromium, type Browser, type Page } from 'playwright-core'
import { startCloudSim, type CloudSim } from '@cms/cloudsim'
import { createLogger, LocalKeyring, Vault } from '@cms/core'
import { createTestDatabase, type TestDatabase } from '@cms/db/testing'
import { providers } from '@cms/providers'
import { startWorker, type StartedWorker } from '@cms/scheduler'

const CHROMIUM = '/usr/bin/chromium'
const webDir = join(import.meta.dirname, '..')
const shots = join(webDir, '../../test-results/screenshots')
const PORT = 3900 + Math.floor(Math.random() * 90)
const URL_ = `http://127.0.0.1:${PORT}`
const REDIS_URL = 'redis://127.0.0.1:6379'
const QUEUE_PREFIX = `e2e-${randomBytes(4).toString('hex')}`
const MASTER_KEYS = LocalKeyring.generateKeySpec('e2e')
/** Fast polling for the walk, as data: the organization's schedule overrides (and a plan that allows them). */
const POLL_MS = 2000

let db: TestDatabase
let sim: CloudSim
let worker: StartedWorker | undefined
let server: ChildProcess | undefined
let browser: Browser | undefined
let page: Page
const startedAt = Date.now()
const timings: Record<string, number> = {}
const mark = (k: string) => (timings[k] = Math.round((Date.now() - startedAt) / 100) / 10)

/** The production build is missing or older than a source file: walking it would test yesterday's code. */
function buildIsStale(): boolean {
  const id = join(webDir, '.next/BUILD_ID')
  if (!existsSync(id)) return true
  const built = statSync(id).mtimeMs
  const newer = (p: string): boolean => {
    const st = statSync(p)
    if (!st.isDirectory()) return st.mtimeMs > built
    return readdirSync(p).some((n) => newer(join(p, n)))
  }
  return ['src', 'next.config.ts', 'package.json'].some(
    (p) => existsSync(join(webDir, p)) && newer(join(webDir, p)),
  )
}

beforeAll(async () => {
  mkdirSync(shots, { recursive: true })
  if (buildIsStale()) {
    const b = spawnSync(join(webDir, '../../node_modules/.bin/next'), ['build'], {
      cwd: webDir,
      stdio: 'inherit',
    })
    if (b.status !== 0) throw new Error('next build failed')
    mark('build')
  }
  ;[sim, db] = await Promise.all([
    startCloudSim({ seed: 7, scenario: 'minimal', port: 0 }),
    createTestDatabase(),
  ])
  const poller = sim.control.poller()
  worker = await startWorker({
    databaseUrl: db.url,
    redisUrl: REDIS_URL,
    queuePrefix: QUEUE_PREFIX,
    vault: new Vault(LocalKeyring.fromString(MASTER_KEYS)),
    providers,
    endpoints: {
      aws: sim.urls.aws,
      azure: sim.urls.azure,
      gcp: sim.urls.gcp,
      ncp: sim.urls.ncp,
      caPem: sim.caCertPem,
    },
    awsPoller: { accessKeyId: poller.accessKeyId, secretAccessKey: poller.secretAccessKey },
    logger: createLogger({ name: 'e2e-worker', level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    // No periodic sweep within the walk: discovery can only start from the web's account-changed notification.
    reconcileIntervalMs: 600_000,
    shutdownGraceMs: 2000,
    dbPoolMax: 4,
    global: { rollupMs: POLL_MS },
    // The worker reads the simulator's clock (offset 0 here, but keeps the two consistent if moved).
    now: () => new Date(Date.now() + sim.control.clock().offsetMs),
  })
  server = spawn(
    join(webDir, '../../node_modules/.bin/next'),
    ['start', '-p', String(PORT), '-H', '127.0.0.1'],
    {
      cwd: webDir,
      env: {
        ...process.env,
        NODE_ENV: 'production',
        DATABASE_URL: db.url,
        REDIS_URL,
        CMS_QUEUE_PREFIX: QUEUE_PREFIX,
        CMS_MASTER_KEYS: MASTER_KEYS,
        AUTH_SECRET: 'e2e-secret-e2e-secret-e2e-secret-0123456789',
        PUBLIC_URL: URL_,
        LOG_LEVEL: 'warn',
        CMS_AWS_ENDPOINT: sim.urls.aws,
        CMS_AZURE_ENDPOINT: sim.urls.azure,
        CMS_GCP_ENDPOINT: sim.urls.gcp,
        CMS_NCP_ENDPOINT: sim.urls.ncp,
        CMS_CLOUD_CA_FILE: sim.caCertFile,
        CMS_AWS_ACCESS_KEY_ID: poller.accessKeyId,
        CMS_AWS_SECRET_ACCESS_KEY: poller.secretAccessKey,
        CMS_AWS_PRINCIPAL_ARN: `arn:aws:iam::${poller.accountId}:user/cms-poller`,
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  )
  for (let i = 0; i < 120; i++) {
    const ok = await fetch(`${URL_}/login`)
      .then((r) => r.ok)
      .catch(() => false)
    if (ok) break
    await new Promise((r) => setTimeout(r, 500))
  }
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
  page = await (
    await browser.newContext({ locale: 'en-US', viewport: { width: 1400, height: 900 } })
  ).newPage()
  mark('ready')
}, 400_000)

afterAll(async () => {
  await browser?.close()
  server?.kill('SIGTERM')
  // Leave nothing behind in the shared Redis: every key under this run's prefix (queues, schedulers, locks,
  // cursors) goes, through a connection of our own that outlives the worker's.
  const redis = worker ? (await worker.runtime.queues.maintenance.client).duplicate() : undefined
  await worker?.stop()
  if (redis) {
    let cursor = '0'
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `{${QUEUE_PREFIX}}:*`, 'COUNT', 500)
      cursor = next
      if (keys.length) await redis.del(...keys)
    } while (cursor !== '0')
    await redis.quit()
  }
  await sim?.stop()
  await db?.drop()
  console.info(`[e2e walk] seconds since start: ${JSON.stringify(timings)}`)
})

const shot = (name: string) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true })
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

it.skipIf(!existsSync(CHROMIUM))(
  'walks signup → org → AWS role onboarding against cloudsim → discovered inventory → resource chart → Korean → Naver Cloud onboarding',
  async () => {
    // ---- signup (field errors first) and organization
    await page.goto(`${URL_}/signup`)
    await page.fill('input[name=name]', 'Op Erator')
    await page.fill('input[name=email]', 'short')
    await page.fill('input[name=password]', 'short')
    await page.click('button[type=submit]')
    await expect.poll(() => page.locator('.field-error').count()).toBeGreaterThan(0)
    await shot('01-signup-errors')
    await page.fill('input[name=email]', 'op@example.test')
    await page.fill('input[name=password]', 'correct-horse-battery')
    await page.click('button[type=submit]')
    await page.waitForURL('**/orgs/new', { timeout: 30_000 })
    await page.fill('input[name=name]', 'Acme Ops')
    await shot('02-create-org')
    await page.click('button[type=submit]')
    await page.waitForURL('**/overview', { timeout: 30_000 })
    await shot('03-overview-empty')
    mark('org')

    // Operator set-up, as data: a plan whose minimum poll interval allows 2 s, and the organization's
    // schedule overrides (what the scheduler's reconcile honours) — no test-only code path.
    const org = await db.worker.organization.findFirstOrThrow({ where: { name: 'Acme Ops' } })
    await db.worker.plan.create({
      data: {
        id: 'e2e-fast',
        name: 'E2E fast polling',
        sort: 9,
        limits: {
          cloudAccounts: null,
          monitoredResources: null,
          minPollSeconds: 1,
          retentionRawDays: 14,
          retention5mDays: 90,
          retention1hDays: 395,
          alertRules: null,
          webhookEndpoints: null,
        },
      },
    })
    await db.worker.organization.update({
      where: { id: org.id },
      data: {
        planId: 'e2e-fast',
        settings: { schedule: { discoveryIntervalMs: POLL_MS, metricsIntervalMs: POLL_MS } },
      },
    })

    // ---- AWS role onboarding: CMS shows its principal and an ExternalId it issued
    const simAws = sim.control.accounts().find((a) => a.cloud === 'aws')
    if (!simAws || simAws.cloud !== 'aws') throw new Error('no AWS account in cloudsim')
    await page.goto(`${URL_}/accounts/new`)
    await expect.poll(() => page.locator('[data-testid=external-id]').textContent()).toMatch(/^cms-/)
    const externalId = (await page.locator('[data-testid=external-id]').textContent()) ?? ''
    const principal = (await page.locator('[data-testid=principal]').textContent()) ?? ''
    expect(principal).toContain(`::${sim.control.poller().accountId}:`)
    // The customer's side: the CloudFormation template CMS offers carries our principal and that ExternalId
    // into the role's trust policy. cloudsim's role already trusts the poller account; make it require
    // this ExternalId, as creating the stack would.
    const templateUrl = await page.locator('a[download]').getAttribute('href')
    const template = (await (await fetch(templateUrl ?? '')).json()) as {
      Parameters: { ExternalId: { Default: string } }
      Resources: {
        CmsReadOnlyRole: {
          Properties: { AssumeRolePolicyDocument: { Statement: Array<{ Principal: { AWS: string } }> } }
        }
      }
    }
    expect(template.Parameters.ExternalId.Default).toBe(externalId)
    expect(
      template.Resources.CmsReadOnlyRole.Properties.AssumeRolePolicyDocument.Statement[0]?.Principal.AWS,
    ).toBe(principal)
    const { roleArn } = sim.control.setRoleExternalId(simAws.id, template.Parameters.ExternalId.Default)

    // A malformed ARN is refused at the field first.
    await page.fill('[data-testid=account-name]', 'prod')
    await page.fill('[data-testid=role-arn]', 'not-an-arn')
    await page.click('[data-testid=save-account]')
    await expect.poll(() => page.locator('.field-error').first().textContent()).toContain('IAM role ARN')
    await shot('04-onboarding-aws-role')
    await page.fill('[data-testid=role-arn]', roleArn)
    await page.click('[data-testid=save-account]')
    // Save → verify: AssumeRole with our poller keys + the ExternalId, then the read checks, all in cloudsim.
    const verification = page.locator('[data-testid=verification]')
    await verification.waitFor({ timeout: 60_000 })
    expect(await verification.textContent()).toMatch(
      new RegExp(`^Verified arn:aws:sts::${simAws.nativeIds[0]}:assumed-role/CmsReadOnly/`),
    )
    expect(await verification.getAttribute('class')).toBe('notice')
    await shot('05-onboarding-verified')
    mark('verified')

    // ---- inventory: discovered by the worker (notified by the web), shown by the page's auto-refresh;
    // at most one manual reload, as a user might.
    const simLive = sim.control.resources({ cloud: 'aws', account: simAws.nativeIds[0] })
    expect(simLive.length).toBeGreaterThan(0)
    await page.click('[data-testid=go-inventory]')
    await page.waitForURL('**/inventory', { timeout: 30_000 })
    const rows = () => page.locator('[data-testid=inventory-table] tbody tr').count()
    // Auto-refresh (every 15 s) gets up to 45 s; then one reload and 30 s more.
    let reloads = 0
    let deadline = Date.now() + 45_000
    while ((await rows()) < simLive.length) {
      if (Date.now() > deadline) {
        if (reloads === 1) break
        reloads++
        await page.reload()
        deadline = Date.now() + 30_000
      }
      await sleep(500)
    }
    expect(await rows()).toBe(simLive.length)
    expect(reloads).toBeLessThanOrEqual(1)
    timings.inventoryReloads = reloads
    await expect
      .poll(() => page.locator('[data-testid=inventory-count]').textContent())
      .toContain(String(simLive.length))
    for (const r of simLive.filter((x) => x.type === 'ec2.instance')) {
      await expect.poll(() => page.locator('[data-testid=inventory-table]').textContent()).toContain(r.id)
    }
    await shot('06-inventory')
    mark('inventory')
    // ---- a resource: its chart shows points the worker fetched from cloudsim's CloudWatch. The chart
    // loads once per page view, so wait (bounded) until the pipeline has stored the 5-minute rollups the
    // default 24 h range reads for the chart's first metric, then open the page.
    const running = simLive.filter((x) => x.type === 'ec2.instance' && x.state === 'running')
    expect(running.length).toBeGreaterThan(0)
    const pool = db.pool('cms_worker')
    const chartReady = async () => {
      const r = await pool.query<{ total: number; ready: number }>(
        `SELECT count(*)::int AS total, count(*) FILTER (WHERE EXISTS (SELECT 1 FROM ts.metric_points_5m p WHERE p.tenant_id = $1 AND p.series_id = f.sid))::int AS ready
         FROM (SELECT r.id, (SELECT s.id FROM metric_series s WHERE s.resource_id = r.id ORDER BY s.metric, s.stat LIMIT 1) AS sid
                 FROM resource r WHERE r.tenant_id = $1 AND r.native_id = ANY($2)) f WHERE f.sid IS NOT NULL`,
        [org.id, running.map((x) => x.id)],
      )
      return r.rows[0]?.total === running.length && r.rows[0]?.ready === running.length
    }
    await expect.poll(chartReady, { timeout: 60_000, interval: 500 }).toBe(true)
    mark('metrics')
    await page.goto(`${URL_}/overview`)
    await expect
      .poll(() => page.locator('[data-testid=total-resources]').textContent())
      .toBe(String(simLive.length))
    // Coverage counts resources with metrics: at least the running instances now.
    await expect
      .poll(() => page.locator('main').textContent())
      .toMatch(new RegExp(`[1-9]\\d* of ${simLive.length} resources have metrics`))
    await shot('07-overview')
    await page.goto(`${URL_}/inventory?type=ec2.instance&state=running`)
    await expect.poll(rows).toBe(running.length)
    await page.locator('[data-testid=inventory-table] tbody tr a').first().click()
    await page.waitForURL('**/resources/**', { timeout: 30_000 })
    await expect
      .poll(() => page.locator('[data-testid=chart-points]').textContent(), { timeout: 20_000 })
      .toMatch(/^[1-9][\d,]* points · 5m$/)
    await expect.poll(() => page.locator('[data-testid=chart] canvas').count()).toBeGreaterThan(0)
    await page.click('[data-testid=range-1h]')
    await expect
      .poll(() => page.locator('[data-testid=chart-points]').textContent(), { timeout: 20_000 })
      .toMatch(/^[1-9][\d,]* points · raw$/)
    await shot('08-resource-chart')
    mark('chart')

    // ---- Korean
    await page.selectOption('[data-testid=locale-switch]', 'ko')
    await expect.poll(() => page.locator('nav').textContent(), { timeout: 20_000 }).toContain('인벤토리')
    expect(await page.getAttribute('html', 'lang')).toBe('ko')
    await expect.poll(() => page.locator('h2').first().textContent()).not.toMatch(/^[A-Za-z ]+$/)
    await expect
      .poll(() => page.locator('[data-testid=chart-points]').textContent(), { timeout: 20_000 })
      .toMatch(/^[1-9][\d,]*개 포인트/)
    await shot('09-resource-korean')
    await page.goto(`${URL_}/inventory`)
    await expect.poll(() => page.locator('h1').textContent()).toBe('인벤토리')
    await shot('10-inventory-korean')
    await page.goto(`${URL_}/costs`)
    await expect.poll(() => page.locator('h1').textContent()).toBe('비용')
    await shot('11-costs-korean')
    await page.goto(`${URL_}/accounts`)
    await expect.poll(() => page.locator('[data-testid=accounts-table]').textContent()).toContain('prod')
    await shot('12-accounts-korean')
    mark('korean')

    // ---- Naver Cloud, in Korean: the tab is 네이버 클라우드, the page lists the read-only sub-account policies,
    // a malformed access key is refused at the field, the real key pair is verified on save through the
    // provider against cloudsim's NCP gateway (signed requests), and its servers are discovered on their own.
    const simNcp = sim.control.accounts().find((a) => a.cloud === 'ncp')
    if (!simNcp || simNcp.cloud !== 'ncp') throw new Error('no NCP account in cloudsim')
    await page.goto(`${URL_}/accounts/new`)
    await page.click('[data-testid=cloud-ncp]')
    expect(await page.locator('[data-testid=cloud-ncp]').textContent()).toBe('네이버 클라우드')
    const ncpSetup = (await page.locator('[data-testid=ncp-setup]').textContent()) ?? ''
    for (const policy of [
      'NCP_VPC_SERVER_VIEWER',
      'NCP_VPC_VIEWER',
      'NCP_VPC_CLOUD_DB_FOR_MYSQL_VIEWER',
      'NCP_CLOUD_INSIGHT_VIEWER',
    ])
      expect(ncpSetup).toContain(policy)
    expect(ncpSetup).toContain('서브 계정')
    await page.fill('[data-testid=account-name]', 'ncp-prod')
    await page.fill('[data-testid=ncp-access-key]', 'not a key!')
    await page.fill('[data-testid=ncp-secret-key]', simNcp.credentials.secretKey)
    await page.selectOption('[data-testid=ncp-site]', simNcp.credentials.site)
    await page.click('[data-testid=save-account]')
    await expect.poll(() => page.locator('[data-testid=error-accessKey]').count()).toBe(1)
    await page.fill('[data-testid=ncp-access-key]', simNcp.credentials.accessKey)
    await shot('14-onboarding-ncp-korean')
    await page.click('[data-testid=save-account]')
    const ncpVerification = page.locator('[data-testid=verification]')
    await ncpVerification.waitFor({ timeout: 60_000 })
    expect(await ncpVerification.getAttribute('class')).toBe('notice')
    // Secrets never come back: the account page shows the access key's last four characters only.
    const ncpAccount = await db.worker.cloudAccount.findFirstOrThrow({
      where: { tenantId: org.id, cloud: 'ncp' },
    })
    expect(ncpAccount.credentialsView).toEqual({
      method: 'subAccountKey',
      accessKeyHint: `…${simNcp.credentials.accessKey.slice(-4)}`,
      site: simNcp.credentials.site,
    })
    await page.goto(`${URL_}/accounts/${ncpAccount.id}`)
    await expect
      .poll(() => page.locator('main').textContent())
      .toContain(`…${simNcp.credentials.accessKey.slice(-4)}`)
    expect(await page.locator('main').textContent()).not.toContain(simNcp.credentials.secretKey)
    mark('ncpVerified')
    // Discovered by the worker the web notified; the inventory's own filter and labels, nothing NCP-specific.
    const ncpLive = sim.control
      .resources({ cloud: 'ncp', account: simNcp.nativeIds[0] })
      .filter((r) => r.state !== 'terminated' && r.state !== 'absent')
    expect(ncpLive.some((r) => r.type === 'ncp.server')).toBe(true)
    await page.goto(`${URL_}/inventory?cloud=ncp`)
    await expect.poll(rows, { timeout: 60_000, interval: 1000 }).toBe(ncpLive.length)
    const ncpTable = (await page.locator('[data-testid=inventory-table]').textContent()) ?? ''
    expect(ncpTable).toContain('네이버 클라우드')
    for (const r of ncpLive.filter((x) => x.type === 'ncp.server')) expect(ncpTable).toContain(r.id)
    await shot('15-inventory-ncp-korean')
    mark('ncpInventory')

    // ---- long cloud ids (an Azure VM's resource id, a long name) wrap instead of widening the pages.
    const acct = await db.worker.cloudAccount.findFirstOrThrow({ where: { tenantId: org.id } })
    const rg = `rg-${'platform-shared-services-'.repeat(2)}weu`
    const longId = `/subscriptions/${randomUUID()}/resourceGroups/${rg}/providers/Microsoft.Compute/virtualMachines/vm-${'x'.repeat(60)}`
    const long = await db.worker.resource.create({
      data: {
        tenantId: org.id,
        accountId: acct.id,
        cloud: 'azure',
        region: 'westeurope',
        type: 'azure.vm',
        nativeId: longId,
        name: `vm-${'payments-gateway-blue-'.repeat(3)}01`,
        state: 'running',
        tags: { team: 'payments-platform-engineering', 'cost-center': 'cc-1234567890-shared' },
      },
    })
    // Nothing between the id's own element and the page may be wider than its box (clipped or scrolled).
    const overflow = () =>
      page.evaluate((id) => {
        const holders = [...document.querySelectorAll('main *')].filter(
          (e) => e.textContent?.includes(id) && ![...e.children].some((c) => c.textContent?.includes(id)),
        )
        let worst = holders.length ? -Infinity : Infinity
        for (let e: Element | null = holders[0] ?? null; e; e = e.parentElement)
          worst = Math.max(worst, e.scrollWidth - e.clientWidth)
        return worst
      }, longId)
    await page.goto(`${URL_}/inventory?type=azure.vm`)
    await expect.poll(() => page.locator('[data-testid=inventory-table]').textContent()).toContain(longId)
    expect(await overflow()).toBeLessThanOrEqual(0)
    await page.goto(`${URL_}/resources/${long.id}`)
    await expect.poll(() => page.locator('main').textContent()).toContain(longId)
    expect(await overflow()).toBeLessThanOrEqual(0)
    await shot('13-long-azure-id')
  },
  300_000,
)
