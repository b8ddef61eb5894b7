/**
 * `npm run bench`: runs every benchmark (each in its own process, one after the other so they don't
 * compete for the 2 cores), collects their figures and prints one table; writes
 * bench/results/latest.json (figures) and bench/results/latest.log (full output).
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { BenchRow } from './lib'

const root = join(import.meta.dirname, '..')
const results = join(root, 'bench/results')
mkdirSync(results, { recursive: true })
const rowsFile = join(results, 'rows.tmp')
rmSync(rowsFile, { force: true })

// `explicit`: runs only when named (`npm run bench scale100k`), not in the run of everything.
const BENCHES: Array<{ name: string; cwd: string; script: string; explicit?: boolean }> = [
  { name: 'cloudsim', cwd: 'packages/cloudsim', script: 'bench/cloudsim.bench.ts' },
  { name: 'providers', cwd: 'packages/providers', script: 'bench/providers.bench.ts' },
  { name: 'scheduler', cwd: 'packages/scheduler', script: 'bench/scheduler.bench.ts' },
  { name: 'freshness', cwd: 'packages/scheduler', script: 'bench/freshness.bench.ts' },
  { name: 'rollups', cwd: 'packages/scheduler', script: 'bench/rollups.bench.ts' },
  { name: 'scale100k', cwd: 'packages/scheduler', script: 'bench/scale100k.bench.ts', explicit: true },
  { name: 'web', cwd: 'apps/web', script: 'bench/web.bench.ts' },
]
const only = process.argv.slice(2)
let log = ''
const failed: string[] = []
for (const b of BENCHES) {
  if (only.length ? !only.includes(b.name) : b.explicit) continue
  if (!existsSync(join(root, b.cwd, b.script))) continue
  console.log(`\n=== ${b.name} (${b.cwd}/${b.script})`)
  const t0 = performance.now()
  const r = spawnSync(process.execPath, ['--import', 'tsx', b.script], {
    cwd: join(root, b.cwd),
    env: { ...process.env, CMS_BENCH_OUT: rowsFile },
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  })
  const out = `${r.stdout}${r.stderr}`
  process.stdout.write(out)
  log += `=== ${b.name} (exit ${r.status}, ${((performance.now() - t0) / 1000).toFixed(0)} s)\n${out}\n`
  if (r.status !== 0) failed.push(b.name)
}
const rows: BenchRow[] = existsSync(rowsFile)
  ? readFileSync(rowsFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as BenchRow)
  : []
rmSync(rowsFile, { force: true })

const fmt = (v: number) =>
  Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : Number(v.toPrecision(3)).toString()
console.log('\n| area | figure | value | target | |')
console.log('|---|---|---|---|---|')
for (const r of rows) {
  console.log(
    `| ${r.area} | ${r.metric} | ${fmt(r.value)} ${r.unit} | ${r.target ?? ''} | ${r.pass === undefined ? '' : r.pass ? 'ok' : 'MISSED'} |`,
  )
}
const meta = {
  at: new Date().toISOString(),
  node: process.version,
  cpus: (await import('node:os')).cpus().length,
}
writeFileSync(join(results, 'latest.json'), `${JSON.stringify({ ...meta, rows, failed }, null, 2)}\n`)
writeFileSync(join(results, 'latest.log'), log)
console.log(
  `\nwritten bench/results/latest.json and latest.log${failed.length ? `; failed: ${failed.join(', ')}` : ''}`,
)
process.exit(failed.length ? 1 : 0)
