/** The tenant guard for server-rendered pages: same authorize() as routes, redirects instead of JSON. */
import { isAppError } from '@cms/core'
import { headers } from 'next/headers'
import { notFound, redirect } from 'next/navigation'
import type { Role } from './roles'
import { authorize, getSessionInfo, type TenantContext } from './tenant-guard'

export async function pageTenant(role: Role = 'viewer'): Promise<TenantContext> {
  const h = await headers()
  let outcome: TenantContext | 'login' | 'org' | 'forbidden'
  try {
    outcome = await authorize(h, { role, via: 'session' })
  } catch (e) {
    if (!isAppError(e)) throw e
    if (e.code === 'unauthenticated') outcome = 'login'
    else if (
      e.code === 'forbidden' &&
      (e.details.reason === 'no_organization' || e.details.reason === 'not_member')
    )
      outcome = 'org'
    else if (e.code === 'forbidden') outcome = 'forbidden'
    else throw e
  }
  if (outcome === 'login') redirect('/login')
  if (outcome === 'org') redirect('/orgs/new')
  if (outcome === 'forbidden') notFound()
  return outcome
}

export async function pageSession() {
  return getSessionInfo(await headers())
}

/** Translate a not_found AppError into Next's 404 page. */
export async function orNotFound<T>(p: Promise<T>): Promise<T> {
  try {
    return await p
  } catch (e) {
    if (isAppError(e) && e.code === 'not_found') notFound()
    throw e
  }
}
