/**
 * Guards the CLI-only workarounds in prisma/migrate-adapter.ts: each must still be NEEDED (the plain
 * adapter still fails) and still WORK (the wrapped adapter succeeds). When a Prisma upgrade fixes a
 * bug, the "needed" assertion fails and tells us to delete the workaround.
 */
import { execFileSync } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from './testing'
import { repoRoot } from './paths'

let t: TestDatabase
beforeAll(async () => {
  t = await createTestDatabase()
})
afterAll(() => t?.drop())

// Run in a child process: the workaround patches the `pg` module globally, so "plain" must be separate.
function probe(kind: 'plain' | 'wrapped', what: 'catalog' | 'script'): string {
  const code = `
    const { PrismaPg } = await import('@prisma/adapter-pg')
    const url = process.argv[1]
    const factory = ${kind === 'plain' ? 'new PrismaPg({ connectionString: url })' : "(await import('./prisma/migrate-adapter.ts')).migrationAdapter(url)"}
    const a = await factory.connect()
    try {
      if (${JSON.stringify(what)} === 'catalog') {
        await a.queryRaw({ sql: "SELECT 'x'::name AS n, 'c'::\\"char\\" AS c", args: [], argTypes: [] })
      } else {
        await a.executeScript("CREATE FUNCTION pg_temp.f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END; $$; SELECT 1;")
      }
      console.log('OK')
    } catch (e) { console.log('FAIL ' + String(e?.message ?? e).slice(0, 200)) }
    finally { await a.dispose() }
  `
  return execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code, t.url], {
    cwd: repoRoot(),
    encoding: 'utf8',
  }).trim()
}

describe('prisma/migrate-adapter.ts workarounds', () => {
  it('(1) catalog OIDs name/char: still needed, and fixed by the wrapper', () => {
    expect(probe('plain', 'catalog')).toMatch(/^FAIL .*(deserializ|UnsupportedNativeDataType)/i)
    expect(probe('wrapped', 'catalog')).toBe('OK')
  })

  it('(3) scripts with $$ bodies: still needed, and fixed by the wrapper', () => {
    expect(probe('plain', 'script')).toMatch(/^FAIL/)
    expect(probe('wrapped', 'script')).toBe('OK')
  })
})
