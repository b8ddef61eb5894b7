/** JSON over HTTP for the marketplace REST APIs, with an optional extra CA (simulators, private CAs). */
import { Agent } from 'undici'
import { AppError } from '@cms/core'

export type FetchLike = (
  url: string,
  init?: { method?: string; headers?: Record<string, string>; body?: string },
) => Promise<{ status: number; text(): Promise<string> }>

export function createFetch(opts: { caPem?: string; timeoutMs?: number } = {}): FetchLike {
  const dispatcher = opts.caPem ? new Agent({ connect: { ca: opts.caPem } }) : undefined
  return async (url, init = {}) =>
    fetch(url, {
      ...init,
      redirect: 'error',
      signal: AbortSignal.timeout(opts.timeoutMs ?? 15_000),
      ...(dispatcher ? { dispatcher } : {}),
    } as RequestInit)
}

export async function fetchJson<T>(f: FetchLike, url: string, init?: Parameters<FetchLike>[1]): Promise<T> {
  let res
  try {
    res = await f(url, init)
  } catch {
    throw new AppError('cloud_unavailable', 'Marketplace API unreachable', { url: new URL(url).origin })
  }
  const text = await res.text()
  if (res.status === 404) throw new AppError('not_found', 'Marketplace resource not found', { status: 404 })
  if (res.status === 401 || res.status === 403)
    throw new AppError('access_denied', 'Marketplace API refused our credentials', { status: res.status })
  if (res.status >= 400)
    throw new AppError('cloud_unavailable', `Marketplace API error ${res.status}`, { status: res.status })
  try {
    return (text ? JSON.parse(text) : {}) as T
  } catch {
    throw new AppError('bad_response', 'Marketplace API returned invalid JSON')
  }
}
