/**
 * prisma/schema.prisma and the committed migrations must describe the same database: `migrate diff`
 * (migrations replayed on a shadow database vs the schema) must be empty. Catches a model edited
 * without its migration, or a migration without its model.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { TEST_ADMIN_URL } from './testing'
import { repoRoot } from './paths'

it('schema.prisma matches prisma/migrations', async () => {
  const root = repoRoot()
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      join(root, 'node_modules/prisma/build/index.js'),
      'migrate',
      'diff',
      '--from-migrations',
      'prisma/migrations',
      '--to-schema-datamodel',
      'prisma/schema.prisma',
      '--script',
    ],
    {
      cwd: root,
      env: { ...process.env, DATABASE_URL: TEST_ADMIN_URL, CHECKPOINT_DISABLE: '1' },
      maxBuffer: 8 << 20,
    },
  )
  expect(stdout.trim()).toBe('-- This is an empty migration.')
}, 60_000)
