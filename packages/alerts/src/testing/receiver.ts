/**
 * Test support: a real HTTP receiver on loopback that records every request and answers with a
 * programmable status. It can be stopped and restarted on the same port to simulate an outage.
 */
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { PrismaClient } from '@cms/db'

export interface Received {
  path: string
  headers: IncomingHttpHeaders
  body: string
}

export class Receiver {
  readonly received: Received[] = []
  /** Status for the next requests (default 200); a function gets the request count. */
  respond: (n: number) => { status: number; headers?: Record<string, string>; body?: string } = () => ({
    status: 200,
  })
  private server: Server | undefined
  port = 0

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        this.received.push({
          path: req.url ?? '/',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        })
        const r = this.respond(this.received.length)
        res.writeHead(r.status, r.headers ?? {}).end(r.body ?? 'ok')
      })
    })
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve))
    this.port = (this.server.address() as AddressInfo).port
    return this
  }

  async stop(): Promise<void> {
    const s = this.server
    this.server = undefined
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()))
  }

  url(path = '/hook'): string {
    return `http://127.0.0.1:${this.port}${path}`
  }
}

/** Factory: cloud account → resource → metric series, for evaluation tests. */
export async function createResourceWithSeries(
  worker: PrismaClient,
  tenantId: string,
  opts: { metric?: string; stat?: string; type?: string; tags?: Record<string, string>; name?: string } = {},
) {
  const account = await worker.cloudAccount.create({
    data: {
      tenantId,
      cloud: 'aws',
      name: `acct-${randomUUID().slice(0, 6)}`,
      credentials: {},
      credentialsView: {},
    },
  })
  const resource = await worker.resource.create({
    data: {
      tenantId,
      accountId: account.id,
      cloud: 'aws',
      region: 'eu-west-1',
      type: opts.type ?? 'ec2.instance',
      nativeId: `i-${randomUUID().slice(0, 8)}`,
      name: opts.name ?? 'web-1',
      state: 'running',
      tags: opts.tags ?? {},
    },
  })
  const series = await worker.metricSeries.create({
    data: {
      tenantId,
      resourceId: resource.id,
      metric: opts.metric ?? 'CPUUtilization',
      stat: opts.stat ?? 'Average',
    },
  })
  return { account, resource, series }
}

export async function insertPoints(
  worker: PrismaClient,
  tenantId: string,
  seriesId: bigint,
  points: Array<{ ts: Date; value: number }>,
): Promise<void> {
  for (const p of points) {
    await worker.$executeRaw`INSERT INTO ts.metric_points (tenant_id, series_id, ts, value)
      VALUES (${tenantId}::uuid, ${seriesId}, ${p.ts}, ${p.value})
      ON CONFLICT (tenant_id, series_id, ts) DO UPDATE SET value = EXCLUDED.value`
  }
}
