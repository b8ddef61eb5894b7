import { describe, expect, it } from 'vitest'
import { parseArgs } from './args'

describe('cms arguments', () => {
  it('parses every option', () => {
    expect(
      parseArgs([
        'metrics',
        '--cloud',
        'aws',
        '--credentials',
        'c.json',
        '--endpoint=http://x',
        '--regions',
        'us-east-1, eu-west-1',
        '--from',
        '2026-01-01',
        '--to',
        '2026-01-02T00:00:00Z',
      ]),
    ).toEqual({
      command: 'metrics',
      cloud: 'aws',
      credentials: 'c.json',
      endpoint: 'http://x',
      regions: ['us-east-1', 'eu-west-1'],
      from: '2026-01-01',
      to: '2026-01-02T00:00:00Z',
    })
  })
  it.each([
    [[]],
    [['nope']],
    [['verify', '--cloud', 'ibm', '--credentials', 'x']],
    [['verify', '--cloud', 'aws']],
    [['verify', '--cloud', 'aws', '--credentials', 'x', '--from', 'yesterday']],
    [['verify', '--cloud', 'aws', '--credentials', 'x', '--bogus', '1']],
  ])('rejects %j with usage', (argv) => {
    expect(() => parseArgs(argv)).toThrow(/usage: cms/)
  })
})
