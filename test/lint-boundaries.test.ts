/**
 * The dependency direction of CONVENTIONS.md is enforced by the linter: a wrong import fails `npm run
 * lint` (and so CI). Lint in-memory sources at real paths with the repository's own ESLint config.
 */
import { join } from 'node:path'
import { ESLint } from 'eslint'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..')
const eslint = new ESLint({ cwd: root })

async function restrictedImports(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: join(root, file) })
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message)
}

describe('dependency direction (eslint.config.js)', () => {
  it.each([
    [
      'packages/providers/src/probe.ts',
      "import { createPrisma } from '@cms/db'",
      /must not depend on @cms\/db/,
    ],
    [
      'packages/providers/src/probe.ts',
      "import { startWorker } from '@cms/scheduler'",
      /must not depend on @cms\/scheduler/,
    ],
    [
      'packages/core/src/probe.ts',
      "import { forTenant } from '@cms/db/tenant'",
      /must not depend on @cms\/db/,
    ],
    [
      'packages/db/src/probe.ts',
      "import { providers } from '@cms/providers'",
      /must not depend on @cms\/providers/,
    ],
    [
      'packages/scheduler/src/probe.ts',
      "import { startCloudSim } from '@cms/cloudsim'",
      /must not depend on @cms\/cloudsim/,
    ],
    [
      'apps/web/src/server/probe.ts',
      "import { startCloudSim } from '@cms/cloudsim'",
      /must not depend on @cms\/cloudsim/,
    ],
    [
      'packages/alerts/src/probe.ts',
      "import { startWorker } from '@cms/scheduler'",
      /must not depend on @cms\/scheduler/,
    ],
  ])('%s: %s is refused', async (file, source, message) => {
    const messages = await restrictedImports(file, `${source}\nexport const x = 1\n`)
    expect(messages.join('\n')).toMatch(message)
  })

  it.each([
    ['packages/db/src/probe.ts', "import { AppError } from '@cms/core'"],
    ['packages/scheduler/src/probe.ts', "import { providers } from '@cms/providers'"],
    ['packages/providers/src/aws/probe.test.ts', "import { startCloudSim } from '@cms/cloudsim'"],
    ['apps/web/src/server/probe.ts', "import { startWorker } from '@cms/scheduler'"],
  ])('%s: %s is allowed', async (file, source) => {
    expect(await restrictedImports(file, `${source}\nexport const x = 1\n`)).toEqual([])
  })
})
