import { afterAll, beforeAll, expect, it } from 'vitest'
import { LocalKeyring, Vault } from '@cms/core'
import { createTestDatabase, createTenant, type TestDatabase } from './testing'
import { forTenant } from './tenant'
import { createCloudAccount, loadAccountCredentials, rotateCredentialKeys } from './cloud-accounts'

let t: TestDatabase
const SECRET = 'Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZg'
const CLIENT_SECRET = 'azure~client~secret~value~0123456789'
beforeAll(async () => {
  t = await createTestDatabase()
})
afterAll(() => t?.drop())

it('stores credentials only as ciphertext, and decrypts them for the right tenant only', async () => {
  const k1 = LocalKeyring.generateKeySpec('k1')
  const vault = new Vault(LocalKeyring.fromString(k1))
  const tenant = await createTenant(t.worker)
  const other = await createTenant(t.worker)
  const acct = await createCloudAccount(forTenant(t.app, tenant.id), vault, tenant.id, {
    cloud: 'aws',
    name: 'prod',
    credentials: { method: 'accessKeys', accessKeyId: 'AKIAABCDEFGHIJKLMNOP', secretAccessKey: SECRET },
  })
  expect(JSON.stringify(acct)).not.toContain(SECRET)
  const az = await createCloudAccount(forTenant(t.app, tenant.id), vault, tenant.id, {
    cloud: 'azure',
    name: 'az',
    credentials: {
      tenantId: '11111111-1111-1111-1111-111111111111',
      clientId: '22222222-2222-2222-2222-222222222222',
      clientSecret: CLIENT_SECRET,
      subscriptionIds: ['33333333-3333-3333-3333-333333333333'],
    },
  })

  // Scan every column of every table in the database: the secrets appear nowhere.
  const pool = t.pool('cms_worker')
  const { rows: tables } = await pool.query(
    `SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema IN ('public','ts') AND table_type = 'BASE TABLE'`,
  )
  for (const { table_schema, table_name } of tables) {
    const { rows } = await pool.query(
      `SELECT row_to_json(x)::text AS j FROM "${table_schema}"."${table_name}" x`,
    )
    for (const r of rows) {
      expect(r.j).not.toContain(SECRET)
      expect(r.j).not.toContain(CLIENT_SECRET)
    }
  }
  const row = await t.worker.cloudAccount.findUniqueOrThrow({ where: { id: acct.id } })
  expect(row.credentialsView).toEqual({ method: 'accessKeys', accessKeyIdHint: '…MNOP' })

  const plain = await loadAccountCredentials(t.worker, vault, tenant.id, acct.id)
  expect(plain).toMatchObject({ cloud: 'aws', credentials: { secretAccessKey: SECRET } })
  await expect(loadAccountCredentials(t.worker, vault, other.id, acct.id)).rejects.toThrow(/not found/)

  // A ciphertext moved to another tenant's row fails to decrypt (AAD binds tenant + account).
  await t.worker.cloudAccount.update({
    where: { id: az.id },
    data: { credentials: row.credentials as object },
  })
  await expect(loadAccountCredentials(t.worker, vault, tenant.id, az.id)).rejects.toMatchObject({
    code: 'conflict',
    details: { reason: expect.stringMatching(/decryption failed/) },
  })

  // Rotation: add k2 in front, re-wrap, then k1 can be removed.
  const k2 = LocalKeyring.generateKeySpec('k2')
  const rotating = new Vault(LocalKeyring.fromString(`${k2},${k1}`))
  const res = await rotateCredentialKeys(t.worker, rotating)
  expect(res.scanned).toBeGreaterThanOrEqual(2)
  expect(res.failed).toEqual([az.id]) // the tampered row is reported, the rest is re-wrapped
  expect(res.rewrapped).toBe(res.scanned - 1)
  const onlyK2 = new Vault(LocalKeyring.fromString(k2))
  expect((await loadAccountCredentials(t.worker, onlyK2, tenant.id, acct.id)).credentials).toMatchObject({
    secretAccessKey: SECRET,
  })
  expect((await rotateCredentialKeys(t.worker, rotating)).rewrapped).toBe(0)
})
