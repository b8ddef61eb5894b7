// One linter for the whole monorepo. The dependency direction of CONVENTIONS.md is enforced here:
// core → db → providers → scheduler → web, and cloudsim only from tests, the demo and benchmarks.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

const ours = [
  '@cms/core',
  '@cms/db',
  '@cms/providers',
  '@cms/alerts',
  '@cms/marketplace',
  '@cms/scheduler',
  '@cms/web',
  '@cms/cloudsim',
]
/** Forbid importing every internal package except `allowed` (subpaths included). */
const onlyFrom = (pkg, allowed) => {
  const banned = ours.filter((p) => p !== pkg && !allowed.includes(p))
  return {
    'no-restricted-imports': [
      'error',
      {
        patterns: banned.map((p) => ({
          group: [p, `${p}/*`],
          message: `${pkg} must not depend on ${p} (see CONVENTIONS.md: one-way dependencies).`,
        })),
      },
    ],
  }
}
const tests = ['**/*.test.ts', '**/*.test.tsx', '**/testing/**', '**/bench/**', '**/bin/**']

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/.next/**',
      '**/generated/**',
      '**/.data/**',
      '**/dist/**',
      '**/next-env.d.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-undef': 'off',
    },
  },
  { files: ['packages/core/**'], rules: onlyFrom('@cms/core', []) },
  { files: ['packages/db/**'], rules: onlyFrom('@cms/db', ['@cms/core']) },
  { files: ['packages/providers/**'], rules: onlyFrom('@cms/providers', ['@cms/core']) },
  { files: ['packages/alerts/**'], rules: onlyFrom('@cms/alerts', ['@cms/core', '@cms/db']) },
  { files: ['packages/marketplace/**'], rules: onlyFrom('@cms/marketplace', ['@cms/core', '@cms/db']) },
  {
    files: ['packages/scheduler/**'],
    rules: onlyFrom('@cms/scheduler', [
      '@cms/core',
      '@cms/db',
      '@cms/providers',
      '@cms/alerts',
      '@cms/marketplace',
    ]),
  },
  { files: ['packages/cloudsim/**'], rules: onlyFrom('@cms/cloudsim', []) },
  {
    files: ['apps/web/**'],
    rules: onlyFrom('@cms/web', [
      '@cms/core',
      '@cms/db',
      '@cms/providers',
      '@cms/alerts',
      '@cms/marketplace',
      '@cms/scheduler',
    ]),
  },
  // Tests, benchmarks and command-line entry points may drive the simulator; production code may not.
  {
    files: tests.map((g) => `packages/marketplace/${g}`),
    rules: onlyFrom('@cms/marketplace', ['@cms/core', '@cms/db', '@cms/cloudsim']),
  },
  {
    files: tests.map((g) => `packages/providers/${g}`),
    rules: onlyFrom('@cms/providers', ['@cms/core', '@cms/cloudsim']),
  },
  {
    files: tests.map((g) => `packages/scheduler/${g}`),
    rules: onlyFrom('@cms/scheduler', [
      '@cms/core',
      '@cms/db',
      '@cms/providers',
      '@cms/alerts',
      '@cms/marketplace',
      '@cms/cloudsim',
    ]),
  },
  {
    files: tests.map((g) => `apps/web/${g}`),
    rules: onlyFrom('@cms/web', [
      '@cms/core',
      '@cms/db',
      '@cms/providers',
      '@cms/alerts',
      '@cms/marketplace',
      '@cms/scheduler',
      '@cms/cloudsim',
    ]),
  },
)
