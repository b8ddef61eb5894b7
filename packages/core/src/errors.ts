/**
 * One error type for the whole product. Packages throw AppError with a code; only the edges (route
 * handlers, the job runner, the CLI) translate it to HTTP statuses, job outcomes or exit codes.
 */
export const ERROR_HTTP_STATUS = {
  bad_request: 400,
  validation_failed: 422,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  rate_limited: 429,
  limit_exceeded: 402,
  // Cloud-facing codes: what the user's cloud said, in words they can act on.
  credentials_invalid: 400,
  access_denied: 403,
  throttled: 429,
  region_disabled: 400,
  cloud_unavailable: 502,
  bad_response: 502,
  internal: 500,
} as const satisfies Record<string, number>

export type ErrorCode = keyof typeof ERROR_HTTP_STATUS

/** Codes that come from talking to a cloud account (used for account status). */
export const CLOUD_ERROR_CODES = [
  'credentials_invalid',
  'access_denied',
  'throttled',
  'region_disabled',
  'not_found',
  'cloud_unavailable',
  'bad_response',
] as const satisfies readonly ErrorCode[]
export type CloudErrorCode = (typeof CLOUD_ERROR_CODES)[number]

const CLOUD_ERROR_CODE_SET: ReadonlySet<string> = new Set(CLOUD_ERROR_CODES)
export function isCloudErrorCode(code: string): code is CloudErrorCode {
  return CLOUD_ERROR_CODE_SET.has(code)
}

export type ErrorDetails = Record<string, unknown>

export class AppError extends Error {
  override readonly name = 'AppError'
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetails = {},
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }

  get httpStatus(): number {
    return ERROR_HTTP_STATUS[this.code]
  }

  /** The JSON shape every API error has. Never includes the cause (it may carry SDK internals). */
  toJSON(): { error: { code: ErrorCode; message: string; details: ErrorDetails } } {
    return { error: { code: this.code, message: this.message, details: this.details } }
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError
}

/** Wrap anything thrown into an AppError without leaking its message (which may hold secrets). */
export function toAppError(e: unknown): AppError {
  if (e instanceof AppError) return e
  return new AppError('internal', 'Internal error', {}, { cause: e })
}
