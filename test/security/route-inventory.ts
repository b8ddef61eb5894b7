/**
 * Every HTTP entry point of the web app, read from the file system (apps/web/src/app/**\/route.ts),
 * and every 'use server' module. The security tests compare this with the route list and the OpenAPI
 * document, so a route added in one place but not the others fails the suite instead of going untested.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, sep } from 'node:path'

export const WEB_ROOT = join(import.meta.dirname, '../../apps/web')
const APP_DIR = join(WEB_ROOT, 'src/app')

export interface RouteFileExport {
  /** URL path in OpenAPI style, e.g. /api/v1/accounts/{id}. */
  path: string
  method: string
  /** The exported expression, e.g. `routes.getAccount.handler` or `revokeApiKey`. */
  target: string
  file: string
}

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) walk(p, out)
    else out.push(p)
  }
  return out
}

/** `app/api/v1/accounts/[id]/route.ts` → `/api/v1/accounts/{id}` (route groups `(x)` vanish). */
function urlPath(file: string): string {
  const rel = relative(APP_DIR, file).split(sep).slice(0, -1)
  const segs = rel
    .filter((s) => !/^\(.*\)$/.test(s))
    .map((s) => s.replace(/^\[\.\.\.(\w+)\]$/, '{...$1}').replace(/^\[(\w+)\]$/, '{$1}'))
  return `/${segs.join('/')}`
}

export function routeFileExports(): RouteFileExport[] {
  const out: RouteFileExport[] = []
  for (const file of walk(APP_DIR).filter((f) => f.endsWith(`${sep}route.ts`))) {
    const src = readFileSync(file, 'utf8')
    const path = urlPath(file)
    for (const m of src.matchAll(
      /export\s+(?:const|async function|function)\s+(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\b\s*(?:=\s*([^\n]+))?/g,
    )) {
      out.push({
        path,
        method: m[1]!,
        target: (m[2] ?? 'inline function').trim(),
        file: relative(WEB_ROOT, file),
      })
    }
  }
  return out.sort((a, b) => `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`))
}

/** Files with a 'use server' directive (server actions), with their source. */
export function serverActionModules(): { file: string; source: string }[] {
  return walk(join(WEB_ROOT, 'src'))
    .filter((f) => /\.(ts|tsx)$/.test(f))
    .map((f) => ({ file: relative(WEB_ROOT, f), source: readFileSync(f, 'utf8') }))
    .filter((f) => /^\s*['"]use server['"]/m.test(f.source))
}

/** Every page module, with its source (to check that tenant pages go through pageTenant). */
export function pageModules(): { file: string; source: string }[] {
  return walk(APP_DIR)
    .filter((f) => f.endsWith(`${sep}page.tsx`))
    .map((f) => ({ file: relative(WEB_ROOT, f), source: readFileSync(f, 'utf8') }))
}
