/** OpenAPI 3.1 document generated from the route list and its zod schemas. */
import { z } from 'zod'
import { routeList } from './routes'
import { errorSchema } from './schemas'

type Json = Record<string, unknown>

const schemaOf = (s: z.ZodType, io: 'input' | 'output'): Json =>
  z.toJSONSchema(s, { target: 'draft-2020-12', io, unrepresentable: 'any', reused: 'inline' }) as Json

function parametersOf(s: z.ZodType | undefined, where: 'path' | 'query'): Json[] {
  if (!s) return []
  const js = schemaOf(s, 'input')
  const props = (js.properties ?? {}) as Record<string, Json>
  const required = new Set((js.required as string[] | undefined) ?? [])
  return Object.entries(props).map(([name, schema]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    schema,
    ...(schema.description ? { description: schema.description } : {}),
  }))
}

export function openApiDocument(serverUrl: string): Json {
  const paths: Record<string, Record<string, Json>> = {}
  for (const r of routeList) {
    const op: Json = {
      operationId: r.id,
      summary: r.summary,
      description: `Requires role ${r.role} (API keys: read scope = viewer, write scope = admin).`,
      parameters: [...parametersOf(r.params, 'path'), ...parametersOf(r.query, 'query')],
      responses: {
        [String(r.status ?? 200)]: {
          description: 'OK',
          content: { 'application/json': { schema: schemaOf(r.response, 'output') } },
        },
        default: {
          description: 'Error (one shape for every error)',
          content: { 'application/json': { schema: schemaOf(errorSchema, 'output') } },
        },
      },
    }
    if (r.body)
      op.requestBody = {
        required: true,
        content: { 'application/json': { schema: schemaOf(r.body, 'input') } },
      }
    ;(paths[r.path] ??= {})[r.method.toLowerCase()] = op
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'CMS public API',
      version: '1.0.0',
      description: 'Multi-cloud inventory, metrics, costs and monitoring usage of one organization.',
    },
    servers: [{ url: `${serverUrl}/api/v1` }],
    security: [{ apiKey: [] }],
    components: {
      securitySchemes: {
        apiKey: {
          type: 'http',
          scheme: 'bearer',
          description: 'Organization API key (cms_…), created in Settings → API keys',
        },
      },
    },
    paths,
  }
}
