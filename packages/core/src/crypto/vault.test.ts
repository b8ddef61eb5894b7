import { describe, expect, it } from 'vitest'
import { LocalKeyring, Vault } from './vault'
import { AppError } from '../errors'

const ctx = {
  tenantId: '11111111-1111-4111-8111-111111111111',
  accountId: '22222222-2222-4222-8222-222222222222',
}
const secret = JSON.stringify({
  method: 'accessKeys',
  accessKeyId: 'AKIAEXAMPLE123456',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
})

describe('Vault (envelope encryption)', () => {
  const k1 = LocalKeyring.generateKeySpec('k1')
  const k2 = LocalKeyring.generateKeySpec('k2')

  it('round-trips and never contains the plaintext', async () => {
    const vault = new Vault(LocalKeyring.fromString(k1))
    const env = await vault.encrypt(secret, ctx)
    const serialized = JSON.stringify(env)
    expect(serialized).not.toContain('wJalrXUtnFEMI')
    expect(serialized).not.toContain('AKIAEXAMPLE')
    expect(env.kid).toBe('k1')
    expect(await vault.decrypt(env, ctx)).toBe(secret)
  })

  it('uses a fresh data key and IV per secret', async () => {
    const vault = new Vault(LocalKeyring.fromString(k1))
    const a = await vault.encrypt(secret, ctx)
    const b = await vault.encrypt(secret, ctx)
    expect(a.ct).not.toBe(b.ct)
    expect(a.dk).not.toBe(b.dk)
    expect(a.iv).not.toBe(b.iv)
  })

  it('fails loudly on tampered ciphertext, tag or wrapped key', async () => {
    const vault = new Vault(LocalKeyring.fromString(k1))
    const env = await vault.encrypt(secret, ctx)
    const flip = (b64: string) => {
      const buf = Buffer.from(b64, 'base64')
      buf[buf.length - 1]! ^= 0x01
      return buf.toString('base64')
    }
    for (const field of ['ct', 'tag', 'dk', 'iv'] as const) {
      const tampered = { ...env, [field]: flip(env[field]) }
      await expect(vault.decrypt(tampered, ctx)).rejects.toThrow(/decryption failed/)
    }
  })

  it('binds ciphertext to tenant and account (AAD)', async () => {
    const vault = new Vault(LocalKeyring.fromString(k1))
    const env = await vault.encrypt(secret, ctx)
    await expect(
      vault.decrypt(env, { ...ctx, tenantId: '33333333-3333-4333-8333-333333333333' }),
    ).rejects.toBeInstanceOf(AppError)
    await expect(
      vault.decrypt(env, { ...ctx, accountId: '44444444-4444-4444-8444-444444444444' }),
    ).rejects.toThrow(/decryption failed/)
  })

  it('rotation re-wraps under the new key; old data still decrypts; old key can then be dropped', async () => {
    const old = new Vault(LocalKeyring.fromString(k1))
    const env = await old.encrypt(secret, ctx)
    const both = new Vault(LocalKeyring.fromString(`${k2},${k1}`))
    expect(await both.decrypt(env, ctx)).toBe(secret) // still readable before re-wrap
    const { envelope, changed } = await both.rewrap(env, ctx)
    expect(changed).toBe(true)
    expect(envelope.kid).toBe('k2')
    expect(envelope.ct).toBe(env.ct) // data ciphertext untouched
    const onlyNew = new Vault(LocalKeyring.fromString(k2))
    expect(await onlyNew.decrypt(envelope, ctx)).toBe(secret)
    await expect(onlyNew.decrypt(env, ctx)).rejects.toThrow(/"k1" is not configured/)
    expect((await both.rewrap(envelope, ctx)).changed).toBe(false)
  })

  it('rejects malformed envelopes and bad key specs without echoing key material', async () => {
    const vault = new Vault(LocalKeyring.fromString(k1))
    await expect(vault.decrypt({ v: 9 }, ctx)).rejects.toThrow(/malformed/)
    expect(() => LocalKeyring.fromString('nokey')).toThrow(/keyId:base64key/)
    const shortKey = `k9:${Buffer.alloc(16).toString('base64')}`
    expect(() => LocalKeyring.fromString(shortKey)).toThrow(/k9 must be 32 bytes/)
  })

  it('refuses a key spec that repeats a key id (issue 18 review: the later key silently won)', () => {
    const a = Buffer.alloc(32, 1).toString('base64')
    const b = Buffer.alloc(32, 2).toString('base64')
    expect(() => LocalKeyring.fromString(`k1:${a},k1:${b}`)).toThrow(/k1 appears more than once/)
    expect(() => LocalKeyring.fromString(`k1:${a},k1:${b}`)).not.toThrow(new RegExp(a.slice(0, 8)))
  })

  it('refuses a truncated GCM tag (no short-tag forgery)', async () => {
    const vault = new Vault(LocalKeyring.fromString(k1))
    const e = await vault.encrypt(secret, ctx)
    const short = { ...e, tag: Buffer.from(e.tag, 'base64').subarray(0, 4).toString('base64') }
    await expect(vault.decrypt(short, ctx)).rejects.toThrow(/decryption failed/)
  })
})
