/**
 * Credential vault: envelope encryption.
 *
 * Every secret gets a fresh 256-bit data key; the secret is sealed with AES-256-GCM under that key, and
 * the data key is itself sealed ("wrapped") by a master key held by a KeyProvider. Both seals carry
 * associated data that binds the ciphertext to its tenant and account, so a row copied to another
 * tenant (or account) fails to decrypt instead of leaking. Rotation re-wraps only the data key.
 *
 * The KeyProvider interface is the seam for a cloud KMS (AWS KMS Encrypt/Decrypt with an encryption
 * context, Azure Key Vault wrapKey, GCP KMS): only `wrapKey`/`unwrapKey` change.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { AppError } from '../errors'

export const ENVELOPE_VERSION = 1
const ALG = 'aes-256-gcm'
const IV_BYTES = 12
const TAG_BYTES = 16

export interface Envelope {
  v: typeof ENVELOPE_VERSION
  /** Id of the master key that wrapped the data key. */
  kid: string
  iv: string
  tag: string
  ct: string
  /** The wrapped data key: iv ‖ tag ‖ ciphertext, base64. */
  dk: string
}

export interface KeyProvider {
  readonly currentKeyId: string
  wrapKey(dataKey: Buffer, aad: Buffer): Promise<{ kid: string; wrapped: Buffer }>
  unwrapKey(kid: string, wrapped: Buffer, aad: Buffer): Promise<Buffer>
}

function seal(key: Buffer, plaintext: Buffer, aad: Buffer): { iv: Buffer; tag: Buffer; ct: Buffer } {
  const iv = randomBytes(IV_BYTES)
  const c = createCipheriv(ALG, key, iv, { authTagLength: TAG_BYTES })
  c.setAAD(aad)
  const ct = Buffer.concat([c.update(plaintext), c.final()])
  return { iv, tag: c.getAuthTag(), ct }
}

function open(key: Buffer, iv: Buffer, tag: Buffer, ct: Buffer, aad: Buffer): Buffer {
  const d = createDecipheriv(ALG, key, iv, { authTagLength: TAG_BYTES })
  d.setAAD(aad)
  d.setAuthTag(tag)
  return Buffer.concat([d.update(ct), d.final()])
}

/**
 * Master keys from configuration: `CMS_MASTER_KEYS="k2:<base64 32 bytes>,k1:<base64>"`; the first is
 * current (used to wrap), the others only unwrap until `rotate-keys` has re-wrapped everything.
 */
export class LocalKeyring implements KeyProvider {
  private readonly keys: Map<string, Buffer>
  readonly currentKeyId: string

  constructor(keys: Array<{ id: string; key: Buffer }>) {
    if (keys.length === 0) throw new AppError('bad_request', 'No master key configured (CMS_MASTER_KEYS)')
    const ids = new Set<string>()
    for (const k of keys) {
      if (k.key.length !== 32) throw new AppError('bad_request', `Master key ${k.id} must be 32 bytes`)
      // A repeated id would make the Map keep the later key while the first entry is "current": data
      // would be wrapped under a key the operator believes is an old one (and may delete).
      if (ids.has(k.id)) throw new AppError('bad_request', `Master key id ${k.id} appears more than once`)
      ids.add(k.id)
    }
    this.keys = new Map(keys.map((k) => [k.id, k.key]))
    this.currentKeyId = keys[0]!.id
  }

  /** Parses `id:base64,id:base64`. Error messages name key ids, never key material. */
  static fromString(spec: string): LocalKeyring {
    const keys = spec
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((entry) => {
        const i = entry.indexOf(':')
        if (i <= 0)
          throw new AppError('bad_request', 'CMS_MASTER_KEYS entries must look like "keyId:base64key"')
        return { id: entry.slice(0, i), key: Buffer.from(entry.slice(i + 1), 'base64') }
      })
    return new LocalKeyring(keys)
  }

  static generateKeySpec(id = `k${Date.now()}`): string {
    return `${id}:${randomBytes(32).toString('base64')}`
  }

  async wrapKey(dataKey: Buffer, aad: Buffer) {
    const { iv, tag, ct } = seal(this.keys.get(this.currentKeyId)!, dataKey, aad)
    return { kid: this.currentKeyId, wrapped: Buffer.concat([iv, tag, ct]) }
  }

  async unwrapKey(kid: string, wrapped: Buffer, aad: Buffer) {
    const key = this.keys.get(kid)
    if (!key) throw new AppError('internal', `Master key "${kid}" is not configured; cannot decrypt`)
    return open(
      key,
      wrapped.subarray(0, IV_BYTES),
      wrapped.subarray(IV_BYTES, IV_BYTES + TAG_BYTES),
      wrapped.subarray(IV_BYTES + TAG_BYTES),
      aad,
    )
  }
}

/** What a secret is bound to. Changing either makes decryption fail. */
export interface SecretContext {
  tenantId: string
  accountId: string
}
const aadFor = (ctx: SecretContext) =>
  Buffer.from(`cms/credential/v1|tenant=${ctx.tenantId}|account=${ctx.accountId}`)

export class Vault {
  constructor(private readonly keys: KeyProvider) {}

  async encrypt(plaintext: string, ctx: SecretContext): Promise<Envelope> {
    const dataKey = randomBytes(32)
    try {
      const aad = aadFor(ctx)
      const { iv, tag, ct } = seal(dataKey, Buffer.from(plaintext, 'utf8'), aad)
      const { kid, wrapped } = await this.keys.wrapKey(dataKey, aad)
      return {
        v: ENVELOPE_VERSION,
        kid,
        iv: iv.toString('base64'),
        tag: tag.toString('base64'),
        ct: ct.toString('base64'),
        dk: wrapped.toString('base64'),
      }
    } finally {
      dataKey.fill(0)
    }
  }

  async encryptJson(value: unknown, ctx: SecretContext): Promise<Envelope> {
    return this.encrypt(JSON.stringify(value), ctx)
  }

  async decrypt(envelope: unknown, ctx: SecretContext): Promise<string> {
    const env = parseEnvelope(envelope)
    const aad = aadFor(ctx)
    let dataKey: Buffer | undefined
    try {
      dataKey = await this.keys.unwrapKey(env.kid, Buffer.from(env.dk, 'base64'), aad)
      return open(
        dataKey,
        Buffer.from(env.iv, 'base64'),
        Buffer.from(env.tag, 'base64'),
        Buffer.from(env.ct, 'base64'),
        aad,
      ).toString('utf8')
    } catch (e) {
      if (e instanceof AppError) throw e
      // GCM authentication failed: tampered ciphertext, wrong tenant/account, or wrong key.
      throw new AppError(
        'internal',
        'Credential decryption failed (tampered data or wrong tenant/account binding)',
        {
          kid: env.kid,
        },
      )
    } finally {
      dataKey?.fill(0)
    }
  }

  async decryptJson<T = unknown>(envelope: unknown, ctx: SecretContext): Promise<T> {
    return JSON.parse(await this.decrypt(envelope, ctx)) as T
  }

  /** Re-wrap the data key under the current master key; the data ciphertext is untouched. */
  async rewrap(envelope: unknown, ctx: SecretContext): Promise<{ envelope: Envelope; changed: boolean }> {
    const env = parseEnvelope(envelope)
    if (env.kid === this.keys.currentKeyId) return { envelope: env, changed: false }
    const aad = aadFor(ctx)
    const dataKey = await this.keys.unwrapKey(env.kid, Buffer.from(env.dk, 'base64'), aad).catch(() => {
      throw new AppError('internal', 'Credential re-wrap failed (tampered data or wrong binding)', {
        kid: env.kid,
      })
    })
    try {
      const { kid, wrapped } = await this.keys.wrapKey(dataKey, aad)
      return { envelope: { ...env, kid, dk: wrapped.toString('base64') }, changed: true }
    } finally {
      dataKey.fill(0)
    }
  }
}

function parseEnvelope(x: unknown): Envelope {
  const e = x as Partial<Envelope> | null
  if (
    !e ||
    e.v !== ENVELOPE_VERSION ||
    typeof e.kid !== 'string' ||
    typeof e.ct !== 'string' ||
    typeof e.dk !== 'string' ||
    typeof e.iv !== 'string' ||
    typeof e.tag !== 'string'
  ) {
    throw new AppError('internal', 'Stored credential envelope is malformed or of an unknown version')
  }
  return e as Envelope
}
