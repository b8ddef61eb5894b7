/**
 * Bench only: bundles src/testing/worker-child.ts (our TypeScript, every @cms/* package) into one ESM
 * file with esbuild, third-party packages left external, so the bench can measure a worker on plain
 * node against the same worker under tsx. Not a build system: the output lives in a temp directory
 * whose node_modules links to the repository's.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { repoRoot } from '@cms/db'

export function bundleWorker(): string {
  const root = repoRoot()
  const dir = mkdtempSync(join(tmpdir(), 'cms-worker-bundle-'))
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'))
  // Every installed package but our workspaces is external (marking `x` external covers `x/deep/path`).
  const externals: string[] = []
  for (const name of readdirSync(join(root, 'node_modules'))) {
    if (name.startsWith('.') || name === '@cms') continue
    if (name.startsWith('@'))
      for (const sub of readdirSync(join(root, 'node_modules', name))) externals.push(`${name}/${sub}`)
    else externals.push(name)
  }
  const out = join(dir, 'worker-child.mjs')
  const r = spawnSync(
    join(root, 'node_modules/.bin/esbuild'),
    [
      join(root, 'packages/scheduler/src/testing/worker-child.ts'),
      '--bundle',
      '--platform=node',
      '--format=esm',
      '--target=node24',
      `--outfile=${out}`,
      '--log-level=warning',
      ...externals.map((e) => `--external:${e}`),
    ],
    { cwd: root, encoding: 'utf8' },
  )
  if (r.status !== 0) throw new Error(`esbuild failed: ${r.stderr}`)
  return out
}
