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
