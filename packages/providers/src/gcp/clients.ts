/**
 * The one place Google clients are built. One self-signed-JWT credential (no token endpoint: works
 * offline against cloudsim and saves a token call against Google), REST transport, endpoint override,
 * no gax retries (CallRunner retries and counts), and our own per-call deadline (see `withDeadline`).
 *
 * Clients are shared per (service account key, endpoint) through a bounded LRU: building a gax client
 * re-serialises and hashes its whole protobuf JSON (12 MB for Compute, ~25 ms each) and a worker polls
 * the same accounts every minute. Gax REST ("fallback") clients own no sockets — `close()` only flags
 * them terminated — so an evicted set is simply dropped (a session still holding it finishes normally).
 *
 * The Compute and Cloud SQL clients are imported from their own modules, not the packages' index:
 * `@google-cloud/compute`'s index loads all ~150 v1/v1beta/v1small client classes (~140 MB RSS, 1 s);
 * we use three of them.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import { createHash } from 'node:crypto'
import { BigQuery } from '@google-cloud/bigquery'
import { InstancesClient } from '@google-cloud/compute/build/src/v1/instances_client.js'
import { NetworksClient } from '@google-cloud/compute/build/src/v1/networks_client.js'
import { RegionsClient } from '@google-cloud/compute/build/src/v1/regions_client.js'
import { MetricServiceClient } from '@google-cloud/monitoring/build/src/v3/metric_service_client.js'
import { SqlInstancesServiceClient } from '@google-cloud/sql/build/src/v1/sql_instances_service_client.js'
import { AppError, type GcpCredentials } from '@cms/core'
import { GoogleAuth, JWT } from 'google-auth-library'
import type { ProviderContext } from '../contract'
import { LruCache } from '../shared/lru'

export const GCP_SCOPES = ['https://www.googleapis.com/auth/cloud-platform']

/** Service-account keys whose clients stay built; beyond this the least recently used set is rebuilt on demand. */
export const GCP_CLIENT_CACHE_SIZE = 64

/**
 * Deadline of one call (of one listing, for the aggregatedList iterator: re-armed at every item).
 * 90 s is the longest of the SDKs' own per-method deadlines (timeSeries.list), so nothing that used
 * to succeed can time out now.
 */
export const GCP_CALL_DEADLINE_MS = 90_000

/** Options every gax call gets: no SDK retries (ours count every attempt), one page at a time, our deadline. */
export interface GaxCallOptions {
  retry: null
  autoPaginate: false
  timeout: number
  signal: AbortSignal
}

/**
 * Runs one gax call with our deadline instead of gax's.
 *
 * Why: google-gax's REST transport arms `AbortSignal.timeout(deadline)` per call and adds an abort
 * listener it never removes. Node keeps a timeout signal with a listener alive until its timer fires
 * (lib/internal/abort_controller.js `gcPersistentSignals`), and that listener's closure holds the
 * call's callback and so the decoded response: every `timeSeries.list` answer stayed on the heap for
 * 90 s after we had consumed it (≈ 10 MB per poll cycle per 600 resources; the scheduler's leak probe).
 * `timeout: Infinity` turns gax's deadline into an invalid date, which its transport skips (it only
 * arms finite deadlines); gax removes its listener from our `signal` when the call settles, and our
 * timer is cleared here. A fired deadline is `cloud_unavailable` (retried by the runner); the caller's
 * signal (a cancelled job) now also aborts the request in flight.
 */
export async function withDeadline<T>(
  call: (opts: GaxCallOptions, stillAlive: () => void) => Promise<T>,
  outer?: AbortSignal,
  ms = GCP_CALL_DEADLINE_MS,
): Promise<T> {
  outer?.throwIfAborted()
  const ac = new AbortController()
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    ac.abort()
  }, ms)
  const onOuterAbort = () => ac.abort(outer?.reason)
  outer?.addEventListener('abort', onOuterAbort, { once: true })
  try {
    return await call(
      { retry: null, autoPaginate: false, timeout: Number.POSITIVE_INFINITY, signal: ac.signal },
      () => timer.refresh(),
    )
  } catch (e) {
    if (timedOut) throw new AppError('cloud_unavailable', `Google Cloud did not answer within ${ms / 1000} s`)
    throw e
  } finally {
    clearTimeout(timer)
    outer?.removeEventListener('abort', onOuterAbort)
  }
}

const requestCounter = new AsyncLocalStorage<{ n: number }>()

/**
 * Counts the HTTP requests `fn` makes through a CountingAuth: lets us count pages of iterator-only
 * APIs (aggregated lists). The count lives in the async context, not on the (shared) client, so two
 * concurrent listings through one client are each counted right.
 */
export function countRequests<T>(counter: { n: number }, fn: () => Promise<T>): Promise<T> {
  return requestCounter.run(counter, fn)
}

export class CountingAuth extends GoogleAuth {
  override fetch: GoogleAuth['fetch'] = (...args: Parameters<GoogleAuth['fetch']>) => {
    const c = requestCounter.getStore()
    if (c) c.n++
    return super.fetch(...args)
  }
}

type Endpoint = { apiEndpoint: string; port: number; protocol: string }

/** Key of a client set: who signs (email, key id, key digest) and where calls go. Never the key itself. */
function clientKey(creds: GcpCredentials, endpoint: string | undefined): string {
  const digest = createHash('sha256').update(creds.private_key).digest('hex').slice(0, 32)
  return `${endpoint ?? ''}|${creds.client_email}|${creds.private_key_id}|${digest}`
}

const shared = new LruCache<string, GcpClients>(GCP_CLIENT_CACHE_SIZE)

export class GcpClients {
  readonly jwt: JWT
  private readonly endpoint: Endpoint | undefined
  private readonly url: string | undefined
  private readonly cache = new Map<string, unknown>()

  /** The shared client set for these credentials and endpoint (built on first use). */
  static for(creds: GcpCredentials, ctx: ProviderContext): GcpClients {
    const url = ctx.endpoints?.gcp?.replace(/\/+$/, '')
    return shared.getOrCreate(clientKey(creds, url), () => new GcpClients(creds, url))
  }

  /** Drops every shared client set (tests; a key rotation needs nothing: the new key is a new entry). */
  static clearShared(): void {
    shared.clear()
  }

  private constructor(creds: GcpCredentials, url: string | undefined) {
    this.jwt = new JWT({
      email: creds.client_email,
      key: creds.private_key,
      keyId: creds.private_key_id,
      scopes: GCP_SCOPES,
    })
    // Sign our own access JWTs instead of exchanging the key at oauth2.googleapis.com (which ignores token_uri).
    this.jwt.useJWTAccessWithScope = true
    this.url = url
    if (url) {
      const u = new URL(url)
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
  /** The instances client with a counting auth (aggregatedList is only exposed as an auto-paging iterator). */
  instances(): InstancesClient {
    return this.get(
      'instances',
      () =>
        new InstancesClient({
          auth: new CountingAuth({ authClient: this.jwt }),
          fallback: true,
          ...(this.endpoint ?? {}),
        }),
    )
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
}
