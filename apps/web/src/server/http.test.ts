import { expect, it } from 'vitest'
import { MAX_JSON_BODY_BYTES, readJson } from './http'

it('refuses JSON bodies over the limit with 413 before parsing, by header or by actual size', async () => {
  const big = JSON.stringify({ comment: 'x'.repeat(MAX_JSON_BODY_BYTES) })
  await expect(readJson(new Request('http://x/', { method: 'POST', body: big }))).rejects.toMatchObject({
    code: 'payload_too_large',
    httpStatus: 413,
  })
  const lying = new Request('http://x/', {
    method: 'POST',
    body: '{}',
    headers: { 'content-length': String(MAX_JSON_BODY_BYTES + 1) },
  })
  await expect(readJson(lying)).rejects.toMatchObject({ code: 'payload_too_large' })
  await expect(readJson(new Request('http://x/', { method: 'POST', body: '{"ok":true}' }))).resolves.toEqual({
    ok: true,
  })
})
