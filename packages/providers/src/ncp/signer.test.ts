import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { encodeQuery } from './http'
import { signatureV2, signedHeaders, stringToSign } from './signer'

/*
 * The NCP guide ("Ncloud API" → 시그니처 생성, api.ncloud-docs.com/docs/common-ncpapi) documents the
 * string-to-sign with its example request `GET /photos/puppy.jpg?query1=&query2` but prints no
 * resulting signature (its samples use `{timestamp}`/`{accessKey}` placeholders). So the expected
 * values below were computed independently of this code, with OpenSSL over the documented layout:
 *   printf 'GET /photos/puppy.jpg?query1=&query2\n1505290625682\nncp_iam_BPASKRxmpl0123456789' \
 *     | openssl dgst -sha256 -hmac 'ncp_iam_BPKSKRxmplSecretDoNotUse0123456789' -binary | base64
 * (the key pair is the IAM v2 guide's example format, not a real key).
 */
const docKeys = {
  accessKey: 'ncp_iam_BPASKRxmpl0123456789',
  secretKey: 'ncp_iam_BPKSKRxmplSecretDoNotUse0123456789',
}
const keys = { accessKey: 'AKIDEXAMPLE000000001', secretKey: 'SECRETEXAMPLE0000000000000000000000000001' }

describe('NCP signature v2', () => {
  it('signs the documented example request (GET, path with a query string)', () => {
    expect(stringToSign('GET', '/photos/puppy.jpg?query1=&query2', '1505290625682', docKeys.accessKey)).toBe(
      'GET /photos/puppy.jpg?query1=&query2\n1505290625682\nncp_iam_BPASKRxmpl0123456789',
    )
    expect(signatureV2(docKeys, 'GET', '/photos/puppy.jpg?query1=&query2', '1505290625682')).toBe(
      'mOYHO02N6+OJl0dsKnqiJGEY5edpoRtZAY61lzYc9n0=',
    )
  })

  it('signs a paged list call (query string) and a JSON POST (path only: the body is not signed)', () => {
    const q = encodeQuery({ regionCode: 'KR', pageNo: 2, pageSize: 100, responseFormatType: 'json' })
    expect(q).toBe('regionCode=KR&pageNo=2&pageSize=100&responseFormatType=json')
    expect(signatureV2(keys, 'GET', `/vserver/v2/getServerInstanceList?${q}`, '1733097600000')).toBe(
      'NiCM/dJ06lgY8oyVrFQthRceWs3Ly8HTzSzXacH8XXU=',
    )
    expect(signatureV2(keys, 'POST', '/cw_fea/real/cw/api/data/query/multiple', '1733097600000')).toBe(
      'jmQ83XYnHSJ8QRS065lYW5CAZJ6H0dyjfDZyFwcwfmQ=',
    )
  })

  it('sends the signed timestamp, the access key and the signature', () => {
    const h = signedHeaders(keys, 'get', '/vpc/v2/getVpcList?responseFormatType=json', 1733097600000.7)
    expect(h['x-ncp-apigw-timestamp']).toBe('1733097600000')
    expect(h['x-ncp-iam-access-key']).toBe(keys.accessKey)
    const expected = createHmac('sha256', keys.secretKey)
      .update(`GET /vpc/v2/getVpcList?responseFormatType=json\n1733097600000\n${keys.accessKey}`)
      .digest('base64')
    expect(h['x-ncp-apigw-signature-v2']).toBe(expected)
    // A different secret, path or time gives a different signature.
    expect(signatureV2({ ...keys, secretKey: 'x'.repeat(40) }, 'GET', '/a', '1')).not.toBe(
      signatureV2(keys, 'GET', '/a', '1'),
    )
    expect(signatureV2(keys, 'GET', '/a?b=1', '1')).not.toBe(signatureV2(keys, 'GET', '/a', '1'))
  })

  it('numbers list parameters and percent-encodes values', () => {
    expect(encodeQuery({ serverInstanceNoList: ['1', '2'], name: 'a b&c', skip: undefined })).toBe(
      'serverInstanceNoList.1=1&serverInstanceNoList.2=2&name=a%20b%26c',
    )
  })
})
