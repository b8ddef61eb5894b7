/**
 * Key sets for verifying marketplace JWTs, fetched from the issuer and cached; an unknown `kid`
 * triggers one refetch (key rollover) but never more than once a minute.
 */
import {
  createLocalJWKSet,
  importX509,
  type JSONWebKeySet,
  type JWTHeaderParameters,
  type KeyObject,
  type CryptoKey,
} from 'jose'
import { fetchJson, type FetchLike } from './http'

type Key = KeyObject | CryptoKey | Uint8Array

export function cachedJwks(load: () => Promise<JSONWebKeySet>) {
  let set: ReturnType<typeof createLocalJWKSet> | undefined
  let loadedAt = 0
  const refresh = async () => {
    set = createLocalJWKSet(await load())
    loadedAt = Date.now()
  }
  return async (header: JWTHeaderParameters): Promise<Key> => {
    if (!set) await refresh()
    try {
      return (await set!(header)) as Key
    } catch (e) {
      if (Date.now() - loadedAt < 60_000) throw e
      await refresh()
      return (await set!(header)) as Key
    }
  }
}

/** Google publishes x509 certificates as `{kid: PEM}` (GCP Marketplace sign-up JWTs). */
export function cachedX509Keys(f: FetchLike, url: string) {
  let keys: Map<string, Key> | undefined
  let loadedAt = 0
  const refresh = async () => {
    const certs = await fetchJson<Record<string, string>>(f, url)
    keys = new Map()
    for (const [kid, pem] of Object.entries(certs)) keys.set(kid, await importX509(pem, 'RS256'))
    loadedAt = Date.now()
  }
  return async (header: JWTHeaderParameters): Promise<Key> => {
    if (!keys) await refresh()
    let k = header.kid ? keys!.get(header.kid) : undefined
    if (!k && Date.now() - loadedAt > 60_000) {
      await refresh()
      k = header.kid ? keys!.get(header.kid) : undefined
    }
    if (!k) throw new Error('unknown signing key')
    return k
  }
}
