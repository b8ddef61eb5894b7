/** The one place errors become HTTP: AppError.toJSON() with its status; zod issues become field messages. */
import { AppError, toAppError } from '@cms/core'
import { z } from 'zod'

/** Field path → first message, e.g. { "credentials.roleArn": "must be an IAM role ARN …" }. */
export function fieldErrors(err: z.ZodError): Record<string, string> {
  const out: Record<string, string> = {}
  for (const i of err.issues) {
    const key = i.path.map(String).join('.') || '_'
    out[key] ??= i.message
  }
  return out
}

export function validationError(err: z.ZodError, where = 'body'): AppError {
  return new AppError('validation_failed', `Invalid ${where}`, { fields: fieldErrors(err) })
}

export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, where = 'body'): z.infer<S> {
  const r = schema.safeParse(input)
  if (!r.success) throw validationError(r.error, where)
  return r.data
}

export function json(data: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(
    JSON.stringify(data, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)),
    {
      status,
      headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
    },
  )
}

export function errorResponse(e: unknown, log?: { error(o: object, m?: string): void }): Response {
  let err: AppError
  if (e instanceof z.ZodError) err = validationError(e)
  else err = toAppError(e)
  if (err.code === 'internal' && log) log.error({ err: e }, 'unhandled error in request')
  const headers: Record<string, string> = {}
  if (typeof err.details.retryAfterSeconds === 'number')
    headers['retry-after'] = String(err.details.retryAfterSeconds)
  return json(err.toJSON(), err.httpStatus, headers)
}

// PostgreSQL cannot store U+0000 in text/jsonb, nor encode an unpaired UTF-16 surrogate as UTF-8: such
// strings would fail in the database as a 500, so they are refused at the edge like any invalid field.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
const unstorable = (s: string) => s.includes('\u0000') || LONE_SURROGATE.test(s)

/** Refuse NUL and unpaired surrogates anywhere in a parsed value (keys included); iterative, so deep input cannot overflow the stack. */
export function assertStorableText(value: unknown, where = 'body'): void {
  const stack: { v: unknown; path: string }[] = [{ v: value, path: '' }]
  while (stack.length) {
    const { v, path } = stack.pop()!
    if (typeof v === 'string') {
      if (unstorable(v))
        throw new AppError('validation_failed', `Invalid ${where}`, {
          fields: { [path || '_']: 'must not contain NUL or unpaired surrogate characters' },
        })
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        const p = path ? `${path}.${k}` : k
        if (unstorable(k))
          throw new AppError('validation_failed', `Invalid ${where}`, {
            fields: { [p]: 'must not contain NUL or unpaired surrogate characters' },
          })
        stack.push({ v: x, path: p })
      }
    }
  }
}

/** Read a JSON body; a malformed one is a 400 with a message, not a 500. */
/** API bodies are small JSON documents; anything larger is refused before parsing. */
export const MAX_JSON_BODY_BYTES = 1 << 20

export async function readJson(req: Request): Promise<unknown> {
  const tooLarge = () =>
    new AppError('payload_too_large', `Request body is larger than ${MAX_JSON_BODY_BYTES} bytes`)
  if (Number(req.headers.get('content-length') ?? 0) > MAX_JSON_BODY_BYTES) throw tooLarge()
  const text = await req.text()
  if (Buffer.byteLength(text) > MAX_JSON_BODY_BYTES) throw tooLarge()
  if (text.trim() === '') return {}
  let parsed: unknown
  try {
    parsed = JSON.parse(text) as unknown
  } catch {
    throw new AppError('bad_request', 'Request body is not valid JSON', { fields: { _: 'invalid JSON' } })
  }
  assertStorableText(parsed)
  return parsed
}
