/**
 * One web process for the scale-out test: the web app's own API route modules (apps/web/src/app/api/**
 * /route.ts — the files Next's app router serves, `@/` imports included) behind a plain node:http
 * server, in its own process with its own module state (services, better-auth instance, in-memory rate
 * limits). Routing follows the app router's conventions for route handlers: a folder per segment,
 * `[param]` and `[...all]`, the export named after the HTTP method.
 *
 * Not `next start`: a production build takes minutes on the test machine and writes a `.next` that the
 * browser test shares. Pages are not served; every request the test makes is an API or auth call, and
 * those run exactly the route handlers Next would run.
 *
 * Like the production server (apps/web/server.ts), the client address is resolved first from the TCP peer
 * and CMS_TRUSTED_PROXIES into `x-forwarded-for` (apps/web/src/server/client-address.ts): a test that
 * forges the header from 127.0.0.1 is an untrusted client unless it lists 127.0.0.1 as a proxy.
 *
 * Configuration is the web app's environment (DATABASE_URL, REDIS_URL, CMS_QUEUE_PREFIX, AUTH_SECRET,
 * PUBLIC_URL, CMS_MASTER_KEYS, CMS_*_ENDPOINT …). Started by `spawnWeb()` below with node + tsx and
 * TSX_TSCONFIG_PATH=apps/web/tsconfig.json; sends `{ port }` over IPC when listening.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join, relative, sep } from 'node:path'
import { pathToFileURL } from 'node:url'
import { loadConfig } from '@cms/core'
import { forwardClientAddress, parseTrustedProxies } from '../../apps/web/src/server/client-address'

const ROOT = join(import.meta.dirname, '../..')
const API_DIR = join(ROOT, 'apps/web/src/app/api')

type RouteModule = Record<
  string,
  (req: Request, ctx: { params: Promise<Record<string, string | string[]>> }) => Promise<Response>
>
interface Route {
  file: string
  segments: string[]
  module?: Promise<RouteModule>
}

/** Every route.ts under app/api, as its URL segments (`[id]`, `[...all]` kept as written). */
function routeFiles(dir: string): Route[] {
  const out: Route[] = []
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    if (e.isDirectory()) out.push(...routeFiles(p))
    else if (e.name === 'route.ts')
      out.push({ file: p, segments: ['api', ...relative(API_DIR, dir).split(sep).filter(Boolean)] })
  }
  // Static segments win over dynamic ones, dynamic over catch-all (the app router's precedence).
  const rank = (s: string) => (s.startsWith('[...') ? 2 : s.startsWith('[') ? 1 : 0)
  return out.sort((a, b) => {
    for (let i = 0; i < Math.min(a.segments.length, b.segments.length); i++) {
      const d = rank(a.segments[i]!) - rank(b.segments[i]!)
      if (d !== 0) return d
    }
    return b.segments.length - a.segments.length
  })
}

function match(route: Route, parts: string[]): Record<string, string | string[]> | null {
  const params: Record<string, string | string[]> = {}
  for (let i = 0; i < route.segments.length; i++) {
    const s = route.segments[i]!
    if (s.startsWith('[...')) {
      if (i >= parts.length) return null
      params[s.slice(4, -1)] = parts.slice(i)
      return params
    }
    const part = parts[i]
    if (part === undefined) return null
    if (s.startsWith('[')) params[s.slice(1, -1)] = part
    else if (s !== part) return null
  }
  return parts.length === route.segments.length ? params : null
}

async function toRequest(req: IncomingMessage, publicUrl: string): Promise<Request> {
  const chunks: Buffer[] = []
  for await (const c of req) chunks.push(c as Buffer)
  const headers = new Headers()
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue
    for (const x of Array.isArray(v) ? v : [v]) headers.append(k, x)
  }
  const method = req.method ?? 'GET'
  const body =
    method === 'GET' || method === 'HEAD' || chunks.length === 0 ? undefined : Buffer.concat(chunks)
  // Behind the load balancer every process answers for the one public origin.
  return new Request(new URL(req.url ?? '/', publicUrl), { method, headers, body })
}

async function send(res: ServerResponse, r: Response) {
  const headers: Record<string, string | string[]> = {}
  r.headers.forEach((v, k) => {
    if (k !== 'set-cookie') headers[k] = v
  })
  const cookies = r.headers.getSetCookie()
  if (cookies.length) headers['set-cookie'] = cookies
  res.writeHead(r.status, headers)
  res.end(Buffer.from(await r.arrayBuffer()))
}

async function main() {
  const publicUrl = process.env.PUBLIC_URL ?? 'http://localhost:3000'
  const proxies = parseTrustedProxies(loadConfig().CMS_TRUSTED_PROXIES)
  const routes = routeFiles(API_DIR)
  const load = (r: Route) => (r.module ??= import(pathToFileURL(r.file).href) as Promise<RouteModule>)
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x')
      if (url.pathname === '/healthz') return void res.writeHead(200).end(String(process.pid))
      const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent)
      for (const r of routes) {
        const params = match(r, parts)
        if (!params) continue
        const handler = (await load(r))[req.method ?? 'GET']
        if (!handler) return void res.writeHead(405).end()
        forwardClientAddress(req.headers, req.socket.remoteAddress, proxies)
        return send(res, await handler(await toRequest(req, publicUrl), { params: Promise.resolve(params) }))
      }
      res.writeHead(404).end()
    })().catch((e: unknown) => {
      console.error(`[web ${process.pid}]`, e)
      if (!res.headersSent) res.writeHead(500).end()
      else res.destroy()
    })
  })
  // Load the modules the test uses before saying ready (the first request should not pay for it).
  await Promise.all(
    routes
      .filter((r) => r.segments[1] === 'v1' || r.segments[1] === 'auth' || r.segments[1] === 'internal')
      .map(load),
  )
  // As behind a load balancer: idle keep-alive connections outlive the client's, so a reused connection
  // is never closed under a request (Node's 5 s default races the client's 4 s on a loaded machine).
  server.keepAliveTimeout = 65_000
  server.headersTimeout = 66_000
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  process.send?.({ port: (server.address() as AddressInfo).port, pid: process.pid })
  const stop = () => server.close(() => process.exit(0))
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}

export interface WebProcess {
  child: ChildProcess
  /** http://127.0.0.1:<port> of this process (not the public URL). */
  url: string
  pid: number
}

/** Starts one web process with `env` (the web app's configuration); resolves when it listens. */
export async function spawnWeb(env: Record<string, string>): Promise<WebProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/e2e/web-child.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...env,
      CMS_WEB_CHILD: '1',
      TSX_TSCONFIG_PATH: join(ROOT, 'apps/web/tsconfig.json'),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const { port, pid } = await new Promise<{ port: number; pid: number }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { port: number; pid: number }))
    child.once('exit', (code) => reject(new Error(`web process exited early (${code})`)))
  })
  return { child, url: `http://127.0.0.1:${port}`, pid }
}

if (process.env.CMS_WEB_CHILD === '1') await main()
