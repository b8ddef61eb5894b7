import { defineConfig } from 'vitest/config'

// One test run for the monorepo. Each package is a project; cross-package scenarios live in test/.
const project = (name: string, root: string, extra: Record<string, unknown> = {}) => ({
  extends: true as const,
  test: { name, root, include: ['**/*.test.ts'], exclude: ['**/node_modules/**', '**/.next/**'], ...extra },
})

// Deletes the Redis queue prefixes each test file took (packages/scheduler/src/testing/harness.ts).
const dropPrefixes = new URL('./packages/scheduler/src/testing/vitest-setup.ts', import.meta.url).pathname

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    projects: [
      project('core', 'packages/core'),
      project('db', 'packages/db'),
      project('cloudsim', 'packages/cloudsim'),
      project('providers', 'packages/providers'),
      project('alerts', 'packages/alerts'),
      project('marketplace', 'packages/marketplace'),
      project('scheduler', 'packages/scheduler', { setupFiles: [dropPrefixes] }),
      project('web', 'apps/web'),
      project('e2e', 'test', { setupFiles: [dropPrefixes] }),
    ],
  },
})
