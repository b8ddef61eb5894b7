/**
 * The one place Azure clients are built: endpoint + CA override (cloudsim serves ARM and Entra over
 * https with its own CA), the service principal's credential cached per process (MSAL caches its token),
 * and no SDK retries — CallRunner retries throttling with the cloud's Retry-After and counts each call.
 */
import { createHash } from 'node:crypto'
import { ComputeManagementClient } from '@azure/arm-compute'
import { CostManagementClient } from '@azure/arm-costmanagement'
import { NetworkManagementClient } from '@azure/arm-network'
import { ResourceManagementClient } from '@azure/arm-resources'
import { SqlManagementClient } from '@azure/arm-sql'
import {
  ClientSecretCredential,
  type AccessToken,
  type GetTokenOptions,
  type TokenCredential,
} from '@azure/identity'
import { MetricsClient } from '@azure/monitor-query-metrics'
import type { AzureCredentials } from '@cms/core'
import type { ProviderContext } from '../contract'
import type { CallMeter } from '../shared/calls'
import { LruCache } from '../shared/lru'

export const ARM_SCOPE = 'https://management.azure.com/.default'

export interface AzureEnv {
  /** ARM origin; unset → https://management.azure.com. */
  armEndpoint?: string
  /** Entra origin; unset → https://login.microsoftonline.com. */
  authorityHost?: string
  /** metrics:getBatch origin for a region; real Azure serves it from a regional host. */
  metricsEndpoint(region: string): string
  ca?: string
}

export function azureEnv(ctx: ProviderContext): AzureEnv {
  const ep = ctx.endpoints?.azure?.replace(/\/+$/, '')
  const ca = ctx.endpoints?.caPem
  return {
    ...(ep ? { armEndpoint: ep, authorityHost: ep } : {}),
    ...(ca ? { ca } : {}),
    metricsEndpoint: (region) => ep ?? `https://${region}.metrics.monitor.azure.com`,
  }
}

interface CachedCredential {
  credential: TokenCredential
  lastToken?: string
}
// Bounded: a worker serves every tenant (and rotated secrets make new keys); an evicted service
// principal costs one token request on its next use.
const credentials = new LruCache<string, CachedCredential>(1024)

/** Counts a token call only when MSAL actually fetched a new token (it serves cached ones silently). */
class MeteredCredential implements TokenCredential {
  constructor(
    private readonly cached: CachedCredential,
    private readonly meter: CallMeter,
  ) {}
  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
    const t = await this.cached.credential.getToken(scopes, options)
    if (t && t.token !== this.cached.lastToken) {
      this.cached.lastToken = t.token
      this.meter.count('entra', 'token')
    }
    return t
  }
}

export function azureCredential(creds: AzureCredentials, env: AzureEnv, meter: CallMeter): TokenCredential {
  const secretHash = createHash('sha256').update(creds.clientSecret).digest('hex').slice(0, 16)
  const key = `${env.authorityHost ?? ''}|${creds.tenantId}|${creds.clientId}|${secretHash}`
  let cached = credentials.get(key)
  if (!cached) {
    cached = {
      credential: new ClientSecretCredential(creds.tenantId, creds.clientId, creds.clientSecret, {
        ...(env.authorityHost ? { authorityHost: env.authorityHost, disableInstanceDiscovery: true } : {}),
        ...(env.ca ? { tlsOptions: { ca: env.ca } } : {}),
        retryOptions: { maxRetries: 1 },
      }),
    }
    credentials.set(key, cached)
  }
  return new MeteredCredential(cached, meter)
}

export function clearAzureCredentialCache(): void {
  credentials.clear()
}

export class AzureClients {
  private readonly cache = new Map<string, unknown>()
  constructor(
    readonly credential: TokenCredential,
    private readonly env: AzureEnv,
  ) {}

  private common() {
    return {
      ...(this.env.ca ? { tlsOptions: { ca: this.env.ca } } : {}),
      retryOptions: { maxRetries: 0 },
      userAgentOptions: { userAgentPrefix: 'cms-providers' },
    }
  }
  /** Modular (TypeSpec) clients: `endpoint` + `credentials.scopes`. */
  private modular() {
    return {
      ...this.common(),
      ...(this.env.armEndpoint ? { endpoint: this.env.armEndpoint } : {}),
      credentials: { scopes: [ARM_SCOPE] },
    }
  }
  /** core-client clients: `endpoint` + `credentialScopes` (else they ask for `${endpoint}/.default`). */
  private classic() {
    return {
      ...this.common(),
      ...(this.env.armEndpoint ? { endpoint: this.env.armEndpoint } : {}),
      credentialScopes: [ARM_SCOPE],
    }
  }

  private get<T>(key: string, make: () => T): T {
    let c = this.cache.get(key) as T | undefined
    if (!c) this.cache.set(key, (c = make()))
    return c
  }

  compute(sub: string): ComputeManagementClient {
    return this.get(`compute:${sub}`, () => new ComputeManagementClient(this.credential, sub, this.modular()))
  }
  network(sub: string): NetworkManagementClient {
    return this.get(`network:${sub}`, () => new NetworkManagementClient(this.credential, sub, this.modular()))
  }
  resources(sub: string): ResourceManagementClient {
    return this.get(
      `resources:${sub}`,
      () => new ResourceManagementClient(this.credential, sub, this.modular()),
    )
  }
  sql(sub: string): SqlManagementClient {
    return this.get(`sql:${sub}`, () => new SqlManagementClient(this.credential, sub, this.classic()))
  }
  costs(): CostManagementClient {
    return this.get('costs', () => new CostManagementClient(this.credential, this.classic()))
  }
  metrics(region: string): MetricsClient {
    return this.get(
      `metrics:${region}`,
      () =>
        new MetricsClient(this.env.metricsEndpoint(region), this.credential, {
          ...this.common(),
          audience: ARM_SCOPE,
        }),
    )
  }
}
