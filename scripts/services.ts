/**
 * Make sure the local PostgreSQL and Redis that tests need are up; start them with the machine's own
 * commands if not (the same commands .ci/run uses). Prints one line per service.
 */
import { execSync } from 'node:child_process'
import { createConnection } from 'node:net'

export function portOpen(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ port, host })
    const done = (ok: boolean) => (s.destroy(), resolve(ok))
    s.setTimeout(timeoutMs, () => done(false))
    s.once('connect', () => done(true))
    s.once('error', () => done(false))
  })
}

async function waitFor(port: number, seconds: number): Promise<boolean> {
  for (let i = 0; i < seconds * 4; i++) {
    if (await portOpen(port)) return true
    await new Promise((r) => setTimeout(r, 250))
  }
  return false
}

const START = {
  postgres: 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
  redis: 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no',
}

export async function ensureServices(): Promise<void> {
  for (const [name, port] of [
    ['postgres', 5432],
    ['redis', 6379],
  ] as const) {
    if (await portOpen(port)) continue
    console.log(`${name} is not listening on 127.0.0.1:${port}; starting it: ${START[name]}`)
    try {
      execSync(START[name], { stdio: 'inherit', shell: '/bin/bash' })
    } catch {
      /* reported below */
    }
    if (!(await waitFor(port, 15))) {
      throw new Error(
        `${name} is not reachable on 127.0.0.1:${port} and could not be started (${START[name]})`,
      )
    }
  }
}
