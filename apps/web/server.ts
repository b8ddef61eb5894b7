/**
 * Production server: Next's documented custom server (`next({ dev: false })` + its request handler)
 * behind node:http, so the client address is decided from the TCP peer before Next sees the request.
 * `next start` alone keeps a client-sent `x-forwarded-for` (it adds the peer only when the header is
 * missing) and route handlers never see the socket, so any client could pick the address its per-IP
 * limits are counted under. See src/server/client-address.ts and CMS_TRUSTED_PROXIES.
 *
 *   npm start -w @cms/web   (after `next build`; PORT and the app's usual environment)
 */
import { createServer } from 'node:http'
import next from 'next'
import { loadConfig } from '@cms/core'
import { forwardClientAddress, parseTrustedProxies } from './src/server/client-address'

const config = loadConfig()
const proxies = parseTrustedProxies(config.CMS_TRUSTED_PROXIES)
const app = next({ dev: false, dir: import.meta.dirname })
const handle = app.getRequestHandler()
await app.prepare()

const server = createServer((req, res) => {
  forwardClientAddress(req.headers, req.socket.remoteAddress, proxies)
  void handle(req, res)
})
// Behind a load balancer, idle keep-alive connections must outlive the balancer's (AWS ALB: 60 s).
server.keepAliveTimeout = 65_000
server.headersTimeout = 66_000
server.listen(config.PORT)
const stop = () => server.close(() => process.exit(0))
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
