/**
 * Apply committed migrations (prisma/migrations) to a database with the Prisma CLI, which runs the
 * WASM schema engine through the driver adapter in prisma/migrate-adapter.ts (see prisma/README.md).
 */
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { AppError } from '@cms/core'
import { repoRoot } from './paths'

const run = promisify(execFile)

export async function migrateDeploy(
  databaseUrl: string,
  env: Record<string, string | undefined> = {},
): Promise<void> {
  const root = repoRoot()
  try {
    await run(process.execPath, [join(root, 'node_modules/prisma/build/index.js'), 'migrate', 'deploy'], {
      cwd: root,
      env: {
        ...process.env,
        ...env,
        DATABASE_URL: databaseUrl,
        CHECKPOINT_DISABLE: '1',
        PRISMA_HIDE_UPDATE_MESSAGE: '1',
      },
      maxBuffer: 16 * 1024 * 1024,
    })
  } catch (e) {
    const out = e as { stdout?: string; stderr?: string }
    const text = `${out.stdout ?? ''}\n${out.stderr ?? ''}`
    const line = text.split('\n').find((l) => /error|failed|P\d{4}/i.test(l)) ?? 'see output'
    throw new AppError('internal', `Database migration failed: ${line.trim()}`, { output: text.slice(-4000) })
  }
}
