import { execFile } from 'node:child_process'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { accountOf, useCloudSim } from '@cms/cloudsim/testing/sim-fixture'
import { beforeAll, describe, expect, it } from 'vitest'

const BIN = fileURLToPath(new URL('../../bin/cms.mjs', import.meta.url))
const getSim = useCloudSim({ seed: 21, scenario: 'minimal' })
let dir = ''
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cms-cli-'))
})

function cms(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? ((error as { code?: number }).code ?? 1) : 0
      const lines = (s: string) => s.split('\n').filter(Boolean)
      resolve({ code: typeof code === 'number' ? code : 1, out: lines(stdout), err: lines(stderr) })
    })
  })
}
const file = async (name: string, content: unknown) => {
  const p = join(dir, name)
  await writeFile(p, typeof content === 'string' ? content : JSON.stringify(content))
  return p
}

describe('cms CLI (bin/cms.mjs through tsx, real SDKs, cloudsim)', () => {
  it('verify aws with an assumed role prints one check per line', async () => {
    const sim = getSim()
    const creds = await file('aws.json', accountOf(sim, 'aws').credentials.assumeRole)
    const r = await cms(['verify', '--cloud', 'aws', '--credentials', creds, '--endpoint', sim.urls.aws])
    expect(r.code).toBe(0)
    const checks = r.out.map((l) => JSON.parse(l) as { ok: boolean; permission: string })
    expect(checks.every((c) => c.ok)).toBe(true)
    expect(checks.map((c) => c.permission)).toContain('sts:AssumeRole')
  })

  it('discover gcp prints resources as JSON lines', async () => {
    const sim = getSim()
    const creds = await file('gcp.json', accountOf(sim, 'gcp').credentials)
    const r = await cms(['discover', '--cloud', 'gcp', '--credentials', creds, '--endpoint', sim.urls.gcp])
    expect(r.code).toBe(0)
    const types = new Set(r.out.map((l) => (JSON.parse(l) as { type: string }).type))
    expect(types).toEqual(new Set(['gcp.instance', 'gcp.sql_instance', 'gcp.network']))
  })

  it('metrics azure over https with --ca prints points', async () => {
    const sim = getSim()
    const creds = await file('azure.json', accountOf(sim, 'azure').credentials)
    const ca = await file('ca.pem', sim.caCertPem)
    const r = await cms([
      'metrics',
      '--cloud',
      'azure',
      '--credentials',
      creds,
      '--endpoint',
      sim.urls.azure,
      '--ca',
      ca,
    ])
    expect(r.code).toBe(0)
    const p = JSON.parse(r.out[0] as string) as { nativeId: string; metric: string; value: number }
    expect(p.nativeId).toMatch(/^\/subscriptions\//)
    expect(typeof p.value).toBe('number')
    expect(r.err.at(-1)).toContain('getBatch')
  })

  it('costs aws prints cost rows', async () => {
    const sim = getSim()
    const creds = await file('aws-keys.json', accountOf(sim, 'aws').credentials.accessKeys)
    const r = await cms([
      'costs',
      '--cloud',
      'aws',
      '--credentials',
      creds,
      '--endpoint',
      sim.urls.aws,
      '--from',
      '2026-01-01',
      '--to',
      new Date().toISOString(),
    ])
    expect(r.code).toBe(0)
    expect(JSON.parse(r.out[0] as string)).toMatchObject({ currency: 'USD' })
  })

  it('fails with one clear line and a non-zero exit', async () => {
    const sim = getSim()
    const bad = await file('bad.json', {
      method: 'accessKeys',
      accessKeyId: 'nope',
      secretAccessKey: 'tiny-secret',
    })
    const r1 = await cms(['discover', '--cloud', 'aws', '--credentials', bad])
    expect(r1.code).toBe(64)
    expect(r1.err).toHaveLength(1)
    expect(r1.err[0]).toMatch(/^cms: credentials file .* accessKeyId: /)
    expect(r1.err[0]).not.toContain('tiny-secret')
    const wrong = await file('wrong.json', {
      ...accountOf(sim, 'aws').credentials.accessKeys,
      secretAccessKey: 'x'.repeat(40),
      accessKeyId: 'AKIAUNKNOWNKEY000000',
    })
    const r2 = await cms(['discover', '--cloud', 'aws', '--credentials', wrong, '--endpoint', sim.urls.aws])
    expect(r2.code).toBe(2)
    expect(r2.err).toEqual([expect.stringMatching(/^cms: credentials_invalid: AWS rejected the credentials/)])
    const r3 = await cms(['frobnicate'])
    expect(r3.code).toBe(64)
  })
})
