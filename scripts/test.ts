/**
 * `npm test`: ensures PostgreSQL and Redis are up, runs every vitest project once, and ends with a
 * plain "tests: N passed, N failed" line that any CI can read.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync } from 'node:fs'
import { ensureServices } from './services'

await ensureServices()
mkdirSync('test-results', { recursive: true })
const args = process.argv.slice(2)
const r = spawnSync(
  'vitest',
  ['run', '--reporter=default', '--reporter=json', '--outputFile.json=test-results/vitest.json', ...args],
  { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
)
let passed = 0
let failed = 0
let skipped = 0
try {
  const json = JSON.parse(readFileSync('test-results/vitest.json', 'utf8')) as {
    numPassedTests: number
    numFailedTests: number
    numPendingTests: number
    numTodoTests: number
  }
  passed = json.numPassedTests
  failed = json.numFailedTests
  skipped = json.numPendingTests + json.numTodoTests
} catch {
  failed = Math.max(failed, 1)
}
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`)
process.exit(r.status === 0 && failed === 0 && passed > 0 ? 0 : 1)
