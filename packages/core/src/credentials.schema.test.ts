import { expect, it } from 'vitest'
import { parseCredentials, sanitizeCredentials } from './credentials.schema'

it('parses each cloud and sanitizes to identifiers only', () => {
  const aws = parseCredentials('aws', {
    method: 'accessKeys',
    accessKeyId: 'AKIAABCDEFGHIJKLMNOP',
    secretAccessKey: 'abcdefghijklmnopqrstuvwxyz',
  })
  expect(JSON.stringify(sanitizeCredentials({ cloud: 'aws', credentials: aws }))).not.toContain(
    'abcdefghijklmnop',
  )
  const role = parseCredentials('aws', {
    method: 'assumeRole',
    roleArn: 'arn:aws:iam::123456789012:role/CmsReadOnly',
    externalId: 'cms-xyz',
  })
  expect(sanitizeCredentials({ cloud: 'aws', credentials: role })).toEqual({
    method: 'assumeRole',
    roleArn: 'arn:aws:iam::123456789012:role/CmsReadOnly',
    externalId: 'cms-xyz',
  })
  const az = parseCredentials('azure', {
    tenantId: '11111111-1111-1111-1111-111111111111',
    clientId: '22222222-2222-2222-2222-222222222222',
    clientSecret: 's3cr3t',
    subscriptionIds: ['33333333-3333-3333-3333-333333333333'],
  })
  expect(az.method).toBe('servicePrincipal')
  expect(JSON.stringify(sanitizeCredentials({ cloud: 'azure', credentials: az }))).not.toContain('s3cr3t')
})

it('gives field-level errors for bad input', () => {
  const r = () => parseCredentials('aws', { method: 'assumeRole', roleArn: 'nope', externalId: 'x' })
  expect(r).toThrow(/IAM role ARN/)
  expect(() => parseCredentials('gcp', { type: 'user' })).toThrow()
})

it('accepts both NCP key formats (legacy 20-character, ncp_iam_-prefixed) and sanitizes to a hint', () => {
  const legacy = parseCredentials('ncp', {
    accessKey: 'AbCdEfGhIjKlMnOpQrSt',
    secretKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCD',
  })
  expect(legacy).toMatchObject({ method: 'subAccountKey', site: 'public' })
  const iam = parseCredentials('ncp', {
    method: 'subAccountKey',
    accessKey: 'ncp_iam_BPASKRxmpl0123456789',
    secretKey: 'ncp_iam_BPKSKRxmplSecretDoNotUse0123456789',
    site: 'gov',
  })
  const view = sanitizeCredentials({ cloud: 'ncp', credentials: iam })
  expect(view).toEqual({ method: 'subAccountKey', accessKeyHint: '…6789', site: 'gov' })
  expect(JSON.stringify(view)).not.toContain('SecretDoNotUse')
  expect(() => parseCredentials('ncp', { accessKey: 'not a key!', secretKey: 'x'.repeat(40) })).toThrow(
    /NCP access key/,
  )
  expect(() => parseCredentials('ncp', { accessKey: 'AbCdEfGhIjKlMnOpQrSt', secretKey: 'short' })).toThrow()
})
