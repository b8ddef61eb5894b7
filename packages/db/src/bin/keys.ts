/**
 * Master-key commands.
 *   keys new     print a new key entry to prepend to CMS_MASTER_KEYS ("kid:base64")
 *   keys rotate  re-wrap every stored credential under the current (first) key of CMS_MASTER_KEYS;
 *                afterwards the old keys can be removed from the configuration.
 */
import { LocalKeyring, Vault, assertNodeVersion, loadConfig } from '@cms/core'
import { createPrisma } from '../client'
import { rotateCredentialKeys } from '../cloud-accounts'

assertNodeVersion()
const cmd = process.argv[2]
if (cmd === 'new') {
  console.log(LocalKeyring.generateKeySpec())
} else if (cmd === 'rotate') {
  const config = loadConfig()
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL is required for keys rotate')
  const db = createPrisma({ url: config.DATABASE_URL, role: 'cms_worker', max: 2 })
  const vault = new Vault(LocalKeyring.fromString(config.CMS_MASTER_KEYS))
  const res = await rotateCredentialKeys(db, vault)
  console.log(
    JSON.stringify({ ...res, currentKeyId: LocalKeyring.fromString(config.CMS_MASTER_KEYS).currentKeyId }),
  )
  await db.$disconnect()
  process.exit(res.failed.length ? 2 : 0)
} else {
  console.error('usage: keys new | keys rotate')
  process.exit(2)
}
