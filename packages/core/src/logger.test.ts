import { Writable } from 'node:stream'
import { expect, it } from 'vitest'
import { createLogger } from './logger'

it('redacts secret fields at any depth we log', () => {
  const lines: string[] = []
  const sink = new Writable({ write: (chunk, _e, cb) => (lines.push(String(chunk)), cb()) })
  const log = createLogger({ name: 't', destination: sink as never })
  log.info(
    {
      credentials: { accessKeyId: 'AKIAX', secretAccessKey: 'TOPSECRET1' },
      job: { data: { creds: { clientSecret: 'TOPSECRET2' } } },
    },
    'x',
  )
  log.info({ private_key: '-----BEGIN PRIVATE KEY-----TOPSECRET3' }, 'y')
  const out = lines.join('')
  expect(out).not.toMatch(/TOPSECRET/)
  expect(out).toContain('[redacted]')
  expect(out).toContain('AKIAX') // identifiers stay visible
})
