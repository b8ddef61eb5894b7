import { describe, expect, it } from 'vitest'
import { parseConfig } from '@cms/core'
import { clientAddress, forwardClientAddress, parseTrustedProxies } from './client-address'

const none = parseTrustedProxies('')
const lb = parseTrustedProxies('10.0.0.0/8, fd00::/8')

describe('clientAddress', () => {
  it('no trusted proxy (the default): the peer, whatever x-forwarded-for says', () => {
    expect(parseConfig({ CMS_MASTER_KEYS: 'k:x' }).CMS_TRUSTED_PROXIES).toBe('')
    expect(clientAddress('198.51.100.7', '1.2.3.4', none)).toBe('198.51.100.7')
    expect(clientAddress('10.0.0.5', '1.2.3.4', none)).toBe('10.0.0.5')
    expect(clientAddress('::ffff:198.51.100.7', undefined, none)).toBe('198.51.100.7')
  })

  it('an untrusted peer cannot borrow a trusted proxy’s voice', () => {
    expect(clientAddress('198.51.100.7', '10.0.0.1, 1.2.3.4', lb)).toBe('198.51.100.7')
  })

  it('behind trusted proxies: the rightmost untrusted hop; entries the client wrote further left are ignored', () => {
    expect(clientAddress('10.0.0.2', '203.0.113.9', lb)).toBe('203.0.113.9')
    expect(clientAddress('10.0.0.2', '6.6.6.6, 203.0.113.9, 10.1.1.1', lb)).toBe('203.0.113.9')
    expect(clientAddress('::ffff:10.0.0.2', ['6.6.6.6', '203.0.113.9'], lb)).toBe('203.0.113.9')
    expect(clientAddress('fd00::1', '2001:db8::5', lb)).toBe('2001:db8::5')
    // Garbage left of a trusted hop: that hop's own peer is the answer, not the garbage.
    expect(clientAddress('10.0.0.2', 'evil, 10.0.0.3', lb)).toBe('10.0.0.3')
    // Only proxies in the chain: the leftmost one is as close to the client as we can tell.
    expect(clientAddress('10.0.0.2', '10.0.0.3', lb)).toBe('10.0.0.3')
    expect(clientAddress('10.0.0.2', undefined, lb)).toBe('10.0.0.2')
  })

  it('forwardClientAddress replaces the header with the one resolved address', () => {
    const h: Record<string, string | string[] | undefined> = {
      'x-forwarded-for': '1.2.3.4',
      'x-real-ip': '1.2.3.4',
    }
    expect(forwardClientAddress(h, '198.51.100.7', none)).toBe('198.51.100.7')
    expect(h).toEqual({ 'x-forwarded-for': '198.51.100.7' })
  })

  it('a trust list that is not addresses is refused at start (config and parser)', () => {
    expect(() => parseTrustedProxies('10.0.0.0/33')).toThrow(/CMS_TRUSTED_PROXIES/)
    expect(() => parseTrustedProxies('lb.internal')).toThrow(/CMS_TRUSTED_PROXIES/)
    expect(() => parseConfig({ CMS_MASTER_KEYS: 'k:x', CMS_TRUSTED_PROXIES: '10.0.0.0/8,nope' })).toThrow(
      /CMS_TRUSTED_PROXIES/,
    )
    expect(
      parseConfig({ CMS_MASTER_KEYS: 'k:x', CMS_TRUSTED_PROXIES: '10.0.0.0/8, ::1' }).CMS_TRUSTED_PROXIES,
    ).toBe('10.0.0.0/8, ::1')
  })
})
