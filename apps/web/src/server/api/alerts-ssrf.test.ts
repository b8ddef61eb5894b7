/** SSRF on save: with private targets not allowed (the production default), every internal URL is one generic 422. */
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { TestDatabase } from '@cms/db/testing'
import { call, setupWebTest } from '../../../test/harness'
import * as seed from '../demo-seed'
import { routes } from './routes'

let db: TestDatabase
let teardown: () => Promise<void>
let key: string

beforeAll(async () => {
  delete process.env.CMS_WEBHOOK_ALLOW_PRIVATE
  ;({ db, teardown } = await setupWebTest())
  key = (await seed.seedDemoOrganization(db.worker, { email: 'ssrf@a.test', password: 'password-123456' }))
    .apiKey
}, 120_000)
afterAll(async () => teardown?.())

it.each([
  'http://169.254.169.254/latest/meta-data',
  'http://10.0.0.1/x',
  'http://[::1]/x',
  'http://2130706433/',
  'http://0x7f.1/',
  'http://localhost/x',
  'ftp://example.com/x',
])('refuses %s with the generic message and stores nothing', async (url) => {
  const r = await call(routes.createWebhook.handler, {
    method: 'POST',
    auth: { apiKey: key },
    body: { format: 'standard', name: 'x', url },
  })
  expect(r.status).toBe(422)
  expect(r.body.error?.message).toBe('Webhook URL must be a publicly reachable http(s) URL')
  expect(await db.worker.webhookEndpoint.count()).toBe(0)
})
