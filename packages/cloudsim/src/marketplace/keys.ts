/**
 * Signing material of the simulated marketplaces: one RSA key + self-signed certificate per purpose
 * (SNS signing certificate, Entra token key, Google's commerce-partner key), generated lazily once per
 * process (RSA 2048 takes ~100 ms; most tests never need all three).
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto'
import { generate } from 'selfsigned'

export interface SigningKey {
  kid: string
  certPem: string
  privateKey: KeyObject
  publicKey: KeyObject
}

const cache = new Map<string, Promise<SigningKey>>()

export function signingKey(purpose: string): Promise<SigningKey> {
  let p = cache.get(purpose)
  if (!p) {
    p = generate([{ name: 'commonName', value: `cloudsim ${purpose}` }], {
      keySize: 2048,
      algorithm: 'sha256',
      notAfterDate: new Date(Date.now() + 365 * 86_400_000),
    }).then((r) => {
      const privateKey = createPrivateKey(r.private)
      return {
        kid: `${purpose}-${createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(-8).toString('hex')}`,
        certPem: r.cert,
        privateKey,
        publicKey: createPublicKey(privateKey),
      }
    })
    cache.set(purpose, p)
  }
  return p
}
