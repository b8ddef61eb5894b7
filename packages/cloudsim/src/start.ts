/**
 * startCloudSim: one process, four listeners — http for AWS + the /_sim control API, https (self-signed)
 * for Azure (MSAL and ARM refuse plain http), http for GCP, http for NCP (its three gateway hosts on one
 * origin, routed on the path). Port 0 picks free ports; `port` P gives AWS P, Azure P+1, GCP P+2, NCP P+3.
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { mkdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import { generate } from 'selfsigned'
import { handleAws } from './aws/aws-server'
import { seedMarketplace } from './aws/marketplace'
import { handleAzure } from './azure/azure-server'
import { SimControl } from './control/control'
import { handleControl } from './control/control-routes'
import { Sim } from './control/sim'
import { handleGcp } from './gcp/gcp-server'
import { handleNcp } from './ncp/ncp-server'
import { json, readBody, send, type Reply } from './http'
import { buildWorld, type ScenarioOptions } from './world/scenarios'
import { marketplaceExtension, type MarketplaceSim } from './marketplace'
import type { World } from './world/world'

/** A route a plug-in module serves on one of the listeners (checked before the cloud's own routes). */
export interface ExtraRoute {
  method: string
  pathPrefix: string
  handler: (ctx: { req: IncomingMessage; url: URL; body: Buffer; origin: string }) => Promise<Reply>
}

/** A plug-in (e.g. marketplace notifications): gets the runtime, returns routes per listener. */
export type CloudSimExtension = (api: {
  sim: Sim
  control: SimControl
  world: World
}) => Partial<Record<Listener, ExtraRoute[]>>

type Listener = 'aws' | 'azure' | 'gcp' | 'ncp'
const LISTENERS: readonly Listener[] = ['aws', 'azure', 'gcp', 'ncp']

export interface CloudSimOptions extends ScenarioOptions {
  /** Base port (AWS; Azure +1, GCP +2, NCP +3). 0 or unset: random free ports. */
  port?: number
  host?: string
  extensions?: CloudSimExtension[]
  /**
   * The marketplace simulation (signed SNS, Azure SaaS v2, GCP procurement) is on by default; pass an
   * instance to control it from a test, or `false` to leave it out.
   */
  marketplace?: MarketplaceSim | false
}

function findExtra(routes: ExtraRoute[], req: IncomingMessage, url: URL): ExtraRoute | undefined {
  return routes.find((r) => r.method === (req.method ?? 'GET') && url.pathname.startsWith(r.pathPrefix))
}

export interface CloudSimUrls {
  aws: string
  azure: string
  gcp: string
  /** Every NCP gateway host (ncloud, cw, billingapi) on one origin: `Endpoints.ncp`. */
  ncp: string
  control: string
}

export interface CloudSim {
  urls: CloudSimUrls
  /** PEM of the self-signed certificate the Azure endpoint serves (trust it as a CA). */
  caCertPem: string
  /** The same PEM written to a file (for NODE_EXTRA_CA_CERTS or CLI users). */
  caCertFile: string
  control: SimControl
  world: World
  sim: Sim
  /** The marketplace simulation (absent when started with `marketplace: false`). */
  marketplace?: MarketplaceSim
  stop(): Promise<void>
}

let certPromise: Promise<{ cert: string; key: string }> | undefined

/** One certificate per process (EC P-256, ~30 ms), SAN IP:127.0.0.1 and DNS:localhost. */
function certificate(): Promise<{ cert: string; key: string }> {
  certPromise ??= generate([{ name: 'commonName', value: 'cloudsim.localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 825 * 86400_000),
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  }).then((r) => ({ cert: r.cert, key: r.private }))
  return certPromise
}

/** `url` is parsed with leading slashes collapsed: SDKs send `//subscriptions/…`, which `new URL` would read as a host. */
type Handler = (req: IncomingMessage, url: URL, body: Buffer) => Promise<Reply>

function listener(handler: Handler) {
  return (req: IncomingMessage, res: ServerResponse) => {
    readBody(req)
      .then((body) => handler(req, new URL(`http://x${(req.url ?? '/').replace(/^\/+/, '/')}`), body))
      .then((reply) => send(res, reply))
      .catch((e: unknown) => {
        if (!res.headersSent) send(res, json(500, { error: e instanceof Error ? e.message : String(e) }))
        else res.destroy()
      })
  }
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port))
  })
}

export async function startCloudSim(options: CloudSimOptions = {}): Promise<CloudSim> {
  const host = options.host ?? '127.0.0.1'
  const [world, cert] = await Promise.all([buildWorld(options), certificate()])
  const sim = new Sim(world)
  seedMarketplace(sim)
  const control = new SimControl(sim)
  const extra: Record<Listener, ExtraRoute[]> = { aws: [], azure: [], gcp: [], ncp: [] }
  const marketplace =
    options.marketplace === false ? undefined : (options.marketplace ?? marketplaceExtension())
  const extensions = [...(options.extensions ?? [])]
  if (marketplace && !extensions.includes(marketplace.extension)) extensions.unshift(marketplace.extension)
  for (const ext of extensions) {
    const r = ext({ sim, control, world })
    for (const k of LISTENERS) extra[k].push(...(r[k] ?? []))
  }

  const awsServer = createHttpServer(
    listener(async (req, url, body) => {
      const x = findExtra(extra.aws, req, url)
      if (x) return x.handler({ req, url, body, origin: origins.aws })
      if (url.pathname.startsWith('/_sim/') || url.pathname === '/_sim')
        return handleControl(control, req.method ?? 'GET', url, body)
      return handleAws(sim, req.method ?? 'GET', req.url ?? '/', req.headers, body)
    }),
  )
  const base = options.port ?? 0
  const awsPort = await listen(awsServer, base, host)
  const origins = { aws: `http://${host}:${awsPort}`, azure: '', gcp: '', ncp: '' }
  const azureServer = createHttpsServer(
    { cert: cert.cert, key: cert.key },
    listener(
      (req, url, body) =>
        findExtra(extra.azure, req, url)?.handler({ req, url, body, origin: origins.azure }) ??
        handleAzure(sim, req, url, body, origins.azure),
    ),
  )
  const gcpServer = createHttpServer(
    listener(
      (req, url, body) =>
        findExtra(extra.gcp, req, url)?.handler({ req, url, body, origin: origins.gcp }) ??
        handleGcp(sim, req, url, body, origins.gcp),
    ),
  )
  const ncpServer = createHttpServer(
    listener(
      (req, url, body) =>
        findExtra(extra.ncp, req, url)?.handler({ req, url, body, origin: origins.ncp }) ??
        // The raw request target: NCP signs the path and query exactly as sent.
        handleNcp(sim, req.method ?? 'GET', req.url ?? '/', req.headers, body),
    ),
  )
  const azurePort = await listen(azureServer as unknown as Server, base === 0 ? 0 : base + 1, host)
  const gcpPort = await listen(gcpServer, base === 0 ? 0 : base + 2, host)
  const ncpPort = await listen(ncpServer, base === 0 ? 0 : base + 3, host)
  origins.azure = `https://${host}:${azurePort}`
  origins.gcp = `http://${host}:${gcpPort}`
  origins.ncp = `http://${host}:${ncpPort}`

  const dir = join(tmpdir(), 'cms-cloudsim')
  await mkdir(dir, { recursive: true })
  const caCertFile = join(dir, `ca-${process.pid}-${azurePort}.pem`)
  await writeFile(caCertFile, cert.cert)

  marketplace?.attachOrigins({ aws: origins.aws, azure: origins.azure, gcp: origins.gcp })
  const servers: Server[] = [awsServer, azureServer as unknown as Server, gcpServer, ncpServer]
  return {
    urls: {
      aws: origins.aws,
      azure: origins.azure,
      gcp: origins.gcp,
      ncp: origins.ncp,
      control: origins.aws,
    },
    caCertPem: cert.cert,
    caCertFile,
    control,
    world,
    sim,
    ...(marketplace ? { marketplace } : {}),
    stop: () =>
      Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve())
              s.closeAllConnections()
            }),
        ),
      ).then(() => undefined),
  }
}
