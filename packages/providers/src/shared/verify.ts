/** Helpers for verify(): a failed check carries our code and a one-line message, never a stack. */
import { AppError, isCloudErrorCode, type CloudErrorCode } from '@cms/core'
import type { VerifyCheck } from '../contract'

export async function check(
  capability: VerifyCheck['capability'],
  permission: string,
  fn: () => Promise<unknown>,
): Promise<VerifyCheck> {
  try {
    await fn()
    return { capability, permission, ok: true }
  } catch (e) {
    const { code, message } = asCloudError(e)
    const hint = code === 'access_denied' ? `Missing permission ${permission}. ` : ''
    return { capability, permission, ok: false, code, message: `${hint}${message}` }
  }
}

export function asCloudError(e: unknown): { code: CloudErrorCode; message: string } {
  if (e instanceof AppError && isCloud(e.code)) return { code: e.code, message: e.message }
  return { code: 'bad_response', message: 'Unexpected error while checking access' }
}

const isCloud = isCloudErrorCode
