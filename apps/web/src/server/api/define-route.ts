/**
 * A public API route: method, path, role, zod schemas and a function. `handler` is the Next route
 * handler (withTenant + validation + JSON); the same definition feeds the OpenAPI document and the
 * cross-tenant test, so every route is documented and tested by construction.
 */
import type { z } from 'zod'
import { assertStorableText, json, parseOrThrow, readJson } from '../http'
import type { Role } from '../roles'
import { withTenant, type RouteHandler, type TenantContext } from '../tenant-guard'

export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE'
/** Kinds of tenant-owned objects addressed by a path id (the cross-tenant test seeds one of each in another tenant). */
export type TenantObject = 'account' | 'resource' | 'alertRule' | 'webhook' | 'delivery' | 'silence'

export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  id: string
  method: Method
  /** OpenAPI-style path under /api/v1, e.g. /accounts/{id} */
  path: string
  summary: string
  role: Role
  params?: P
  query?: Q
  body?: B
  response: z.ZodType
  status?: number
  /** Path params refer to tenant-owned objects (the cross-tenant test targets these). */
  tenantObject?: TenantObject
  run: (
    t: TenantContext,
    input: { params: z.infer<P>; query: z.infer<Q>; body: z.infer<B> },
  ) => Promise<unknown>
}

export interface ApiRoute extends Omit<RouteSpec<z.ZodType, z.ZodType, z.ZodType>, 'run'> {
  handler: RouteHandler
}

export function defineRoute<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(
  spec: RouteSpec<P, Q, B>,
): ApiRoute {
  const handler = withTenant(
    async (req, t, rawParams) => {
      const params = spec.params ? parseOrThrow(spec.params, rawParams, 'path') : ({} as z.infer<P>)
      const url = new URL(req.url)
      const rawQuery = Object.fromEntries(url.searchParams)
      assertStorableText(rawQuery, 'query')
      const query = spec.query ? parseOrThrow(spec.query, rawQuery, 'query') : ({} as z.infer<Q>)
      const body = spec.body ? parseOrThrow(spec.body, await readJson(req), 'body') : ({} as z.infer<B>)
      const out = await spec.run(t, { params, query, body })
      return json(out, spec.status ?? 200)
    },
    { role: spec.role },
  )
  const { run: _run, ...rest } = spec
  return { ...(rest as unknown as Omit<ApiRoute, 'handler'>), handler }
}
