/**
 * NCP API Gateway request signing (signature v2). Every NCP API call carries three headers:
 * `x-ncp-apigw-timestamp` (epoch ms; more than 5 minutes off the gateway's clock is rejected),
 * `x-ncp-iam-access-key` and `x-ncp-apigw-signature-v2` =
 * Base64(HMAC-SHA256(secretKey, METHOD + " " + pathWithQuery + "\n" + timestamp + "\n" + accessKey)).
 * Source: api.ncloud-docs.com "Ncloud API" → 시그니처 생성 (common-ncpapi). The path is the URL's
 * path plus its query string exactly as sent (no host, no scheme); the body is not signed.
 */
import { createHmac } from 'node:crypto'

export interface NcpKeyPair {
  accessKey: string
  secretKey: string
}

/** The documented string-to-sign: `METHOD pathWithQuery\ntimestamp\naccessKey`. */
export function stringToSign(
  method: string,
  pathWithQuery: string,
  timestamp: string,
  accessKey: string,
): string {
  return `${method.toUpperCase()} ${pathWithQuery}\n${timestamp}\n${accessKey}`
}

export function signatureV2(
  keys: NcpKeyPair,
  method: string,
  pathWithQuery: string,
  timestamp: string,
): string {
  return createHmac('sha256', keys.secretKey)
    .update(stringToSign(method, pathWithQuery, timestamp, keys.accessKey), 'utf8')
    .digest('base64')
}

/** The three authentication headers for one request; the timestamp header is the one that was signed. */
export function signedHeaders(
  keys: NcpKeyPair,
  method: string,
  pathWithQuery: string,
  epochMs: number,
): Record<string, string> {
  const timestamp = String(Math.trunc(epochMs))
  return {
    'x-ncp-apigw-timestamp': timestamp,
    'x-ncp-iam-access-key': keys.accessKey,
    'x-ncp-apigw-signature-v2': signatureV2(keys, method, pathWithQuery, timestamp),
  }
}
