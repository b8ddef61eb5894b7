/**
 * Browser walk in real Chromium against the production build (`next build` + `next start`):
 * signup → create organization → onboarding page (AWS role flow: principal + ExternalId shown) →
 * estate appears in the inventory (seeded here until the scheduler + cloudsim wiring lands) →
 * resource → chart shows points → switch to Korean → the page is Korean. Screenshots of each page go
 * to test-results/screenshots/.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { chromium, type Browser, type Page } from 'playwright-core'
import { LocalKeyring } from '@cms/core'
import { createTestDatabase, type TestDatabase } from '@cms/db/testing'
import { seedEstate } from '../src/server/demo-seed'

const CHROMIUM = '/usr/bin/chromium'
const webDir = join(import.meta.dirname, '..')
const shots = join(webDir, '../../test-results/screenshots')
const PORT = 3900 + Math.floor(Math.random() * 90)
const URL_ = `http://127.0.0.1:${PORT}`

let db: TestDatabase
let server: ChildProcess | undefined
let browser: Browser | undefined
let page: Page

beforeAll(async () => {
  mkdirSync(shots, { recursive: true })
  if (!existsSync(join(webDir, '.next/BUILD_ID'))) {
    const b = spawnSync(join(webDir, '../../node_modules/.bin/next'), ['build'], { cwd: webDir, stdio: 'inherit' })
    if (b.status !== 0) throw new Error('next build failed')
  }
  db = await createTestDatabase()
  server = spawn(join(webDir, '../../node_modules/.bin/next'), ['start', '-p', String(PORT), '-H', '127.0.0.1'], {
    cwd: webDir,
    env: { ...process.env, NODE_ENV: 'production', DATABASE_URL: db.url, CMS_MASTER_KEYS: LocalKeyring.generateKeySpec('e2e'), AUTH_SECRET: 'e2e-secret-e2e-secret-e2e-secret-0123456789', PUBLIC_URL: URL_, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  for (let i = 0; i < 120; i++) {
    const ok = await fetch(`${URL_}/login`).then((r) => r.ok).catch(() => false)
    if (ok) break
    await new Promise((r) => setTimeout(r, 500))
  }
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'] })
  page = await (await browser.newContext({ locale: 'en-US', viewport: { width: 1400, height: 900 } })).newPage()
}, 240_000)

afterAll(async () => {
  await browser?.close()
  server?.kill('SIGTERM')
  await db?.drop()
})

const shot = (name: string) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true })

it.skipIf(!existsSync(CHROMIUM))('walks signup → org → onboarding → inventory → resource chart → Korean', async () => {
  await page.goto(`${URL_}/signup`)
  await page.fill('input[name=name]', 'Op Erator')
  await page.fill('input[name=email]', 'short')
  await page.fill('input[name=password]', 'short')
  await page.click('button[type=submit]')
  await expect.poll(() => page.locator('.field-error').count()).toBeGreaterThan(0) // field-level messages
  await shot('01-signup-errors')
  await page.fill('input[name=email]', 'op@example.test')
  await page.fill('input[name=password]', 'correct-horse-battery')
  await page.click('button[type=submit]')
  await page.waitForURL('**/orgs/new')
  await page.fill('input[name=name]', 'Acme Ops')
  await shot('02-create-org')
  await page.click('button[type=submit]')
  await page.waitForURL('**/overview')
  await shot('03-overview-empty')

  await page.goto(`${URL_}/accounts/new`)
  await expect.poll(() => page.locator('[data-testid=external-id]').textContent()).toMatch(/^cms-/)
  await page.fill('[data-testid=account-name]', 'prod')
  await page.fill('[data-testid=role-arn]', 'not-an-arn')
  await page.click('[data-testid=save-account]')
  await expect.poll(() => page.locator('.field-error').first().textContent()).toContain('IAM role ARN')
  await shot('04-onboarding-aws-role')

  // Until scheduler + cloudsim are wired, the estate is seeded into the signed-up organization.
  const org = await db.worker.organization.findFirstOrThrow({ where: { name: 'Acme Ops' } })
  await seedEstate(db.worker, org.id, { resourcesPerAccount: 60, days: 2, rawHours: 25, newFraction: 0.2 })
  await page.goto(`${URL_}/inventory`)
  await expect.poll(() => page.locator('[data-testid=inventory-table] tbody tr').count()).toBeGreaterThan(10)
  await shot('05-inventory')
  await page.goto(`${URL_}/overview`)
  await expect.poll(() => page.locator('[data-testid=total-resources]').textContent()).toMatch(/\d/)
  await shot('06-overview')

  await page.goto(`${URL_}/inventory?type=ec2.instance&state=running`)
  await page.locator('[data-testid=inventory-table] tbody tr a').first().click()
  await page.waitForURL('**/resources/**')
  await expect.poll(() => page.locator('[data-testid=chart-points]').textContent(), { timeout: 15_000 }).toMatch(/[1-9]/)
  await expect.poll(() => page.locator('[data-testid=chart] canvas').count()).toBeGreaterThan(0)
  await page.click('[data-testid=range-7d]')
  await expect.poll(() => page.locator('[data-testid=chart-points]').textContent(), { timeout: 15_000 }).toContain('5m')
  await shot('07-resource-chart')

  await page.selectOption('[data-testid=locale-switch]', 'ko')
  await expect.poll(() => page.locator('nav').textContent(), { timeout: 15_000 }).toContain('인벤토리')
  expect(await page.getAttribute('html', 'lang')).toBe('ko')
  await page.goto(`${URL_}/costs`)
  await expect.poll(() => page.locator('h1').textContent()).toBe('비용')
  await shot('08-costs-korean')
  await page.goto(`${URL_}/accounts`)
  await shot('09-accounts-korean')
}, 180_000)
