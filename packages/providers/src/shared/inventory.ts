import { AppError } from '@cms/core'
import type { NormalizedResource, RegionError } from '../contract'

/**
 * Nothing listed and every failure is the same credential/permission error: that is the account's
 * error (revoked secret, missing role), not a set of region errors, so it is thrown as such.
 */
export function throwIfAccountWideFailure(
  resources: NormalizedResource[],
  errors: RegionError[],
  details: Record<string, unknown>,
): void {
  const codes = new Set(errors.map((e) => e.code))
  if (
    !resources.length &&
    errors.length &&
    codes.size === 1 &&
    (codes.has('credentials_invalid') || codes.has('access_denied'))
  ) {
    const e = errors[0] as RegionError
    throw new AppError(e.code, e.message, details)
  }
}
