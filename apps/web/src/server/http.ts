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
  return new Response(JSON.stringify(data, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  })
}

export function errorResponse(e: unknown, log?: { error(o: object, m?: string): void }): Response {
  let err: AppError
  if (e instanceof z.ZodError) err = validationError(e)
  else err = toAppError(e)
  if (err.code === 'internal' && log) log.error({ err: e }, 'unhandled error in request')
  const headers: Record<string, string> = {}
  if (typeof err.details.retryAfterSeconds === 'number') headers['retry-after'] = String(err.details.retryAfterSeconds)
  return json(err.toJSON(), err.httpStatus, headers)
}

/** Read a JSON body; a malformed one is a 400 with a message, not a 500. */
export async function readJson(req: Request): Promise<unknown> {
  const text = await req.text()
  if (text.trim() === '') return {}
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw new AppError('bad_request', 'Request body is not valid JSON', { fields: { _: 'invalid JSON' } })
  }
}
