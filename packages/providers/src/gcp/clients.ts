/**
 * The one place Google clients are built. One self-signed-JWT credential (no token endpoint: works
 * offline against cloudsim and saves a token call against Google), REST transport, endpoint override,
 * and no gax retries (CallRunner retries and counts).
 */
import { BigQuery } from '@google-cloud/bigquery'
import { InstancesClient, NetworksClient, RegionsClient } from '@google-cloud/compute'
import { MetricServiceClient } from '@google-cloud/monitoring'
import { SqlInstancesServiceClient } from '@google-cloud/sql'
import type { GcpCredentials } from '@cms/core'
import { GoogleAuth, JWT } from 'google-auth-library'
import type { ProviderContext } from '../contract'

export const GCP_SCOPES = ['https://www.googleapis.com/auth/cloud-platform']

/** gax call options: no SDK retries (ours count every attempt), pages fetched one at a time. */
export const NO_RETRY = { retry: null, autoPaginate: false } as const

/** Counts HTTP requests made through it: lets us count pages of iterator-only APIs (aggregated lists). */
export class CountingAuth extends GoogleAuth {
  requests = 0
  override fetch: GoogleAuth['fetch'] = (...args: Parameters<GoogleAuth['fetch']>) => {
    this.requests++
    return super.fetch(...args)
  }
}

export class GcpClients {
  readonly jwt: JWT
  private readonly endpoint: { apiEndpoint: string; port: number; protocol: string } | undefined
  private readonly url: string | undefined
  private readonly cache = new Map<string, unknown>()

  constructor(creds: GcpCredentials, ctx: ProviderContext) {
    this.jwt = new JWT({
      email: creds.client_email,
      key: creds.private_key,
      keyId: creds.private_key_id,
      scopes: GCP_SCOPES,
    })
    // Sign our own access JWTs instead of exchanging the key at oauth2.googleapis.com (which ignores token_uri).
    this.jwt.useJWTAccessWithScope = true
    const ep = ctx.endpoints?.gcp?.replace(/\/+$/, '')
    this.url = ep
    if (ep) {
      const u = new URL(ep)
      this.endpoint = {
        apiEndpoint: u.hostname,
        port: Number(u.port || (u.protocol === 'https:' ? 443 : 80)),
        protocol: u.protocol.replace(':', ''),
      }
    }
  }

  private auth(): GoogleAuth {
    return new GoogleAuth({ authClient: this.jwt })
  }
  private get<T>(key: string, make: () => T): T {
    let c = this.cache.get(key) as T | undefined
    if (!c) this.cache.set(key, (c = make()))
    return c
  }

  monitoring(): MetricServiceClient {
    return this.get(
      'monitoring',
      () => new MetricServiceClient({ auth: this.auth(), fallback: true, ...(this.endpoint ?? {}) }),
    )
  }
  /** The instances client with its own counting auth (aggregatedList is only exposed as an auto-paging iterator). */
  instances(): { client: InstancesClient; auth: CountingAuth } {
    return this.get('instances', () => {
      const auth = new CountingAuth({ authClient: this.jwt })
      return { client: new InstancesClient({ auth, fallback: true, ...(this.endpoint ?? {}) }), auth }
    })
  }
  networks(): NetworksClient {
    return this.get(
      'networks',
      () => new NetworksClient({ auth: this.auth(), fallback: true, ...(this.endpoint ?? {}) }),
    )
  }
  regions(): RegionsClient {
    return this.get(
      'regions',
      () => new RegionsClient({ auth: this.auth(), fallback: true, ...(this.endpoint ?? {}) }),
    )
  }
  sql(): SqlInstancesServiceClient {
    return this.get(
      'sql',
      () => new SqlInstancesServiceClient({ auth: this.auth(), fallback: true, ...(this.endpoint ?? {}) }),
    )
  }
  bigquery(projectId: string): BigQuery {
    return this.get(
      `bq:${projectId}`,
      () =>
        new BigQuery({
          projectId,
          authClient: this.jwt,
          ...(this.url ? { apiEndpoint: this.url } : {}),
          autoRetry: false,
        }),
    )
  }

  async close(): Promise<void> {
    const closers: Array<Promise<unknown>> = []
    for (const c of this.cache.values()) {
      const x =
        (c as { client?: { close?: () => Promise<void> }; close?: () => Promise<void> }).client ??
        (c as { close?: () => Promise<void> })
      if (typeof x.close === 'function') closers.push(x.close().catch(() => undefined))
    }
    await Promise.all(closers)
    this.cache.clear()
  }
}
