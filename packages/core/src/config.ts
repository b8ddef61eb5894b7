/**
 * Process configuration: one zod schema, parsed once at start. This module is the only place that
 * reads process.env. Secrets have no defaults; an error lists variable names, never values.
 */
import { isIP } from 'node:net'
import { z } from 'zod'
import { AppError } from './errors'

const bool = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', ''])
  .optional()
  .transform((v) => v === '1' || v === 'true' || v === 'yes')

export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  /** Unset → the demo/dev entry points start an embedded PostgreSQL under .data/. */
  DATABASE_URL: z.string().url().optional(),
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  /** Master keys for the credential vault: "kid:base64(32 bytes)[,older…]"; first is current. */
  CMS_MASTER_KEYS: z.string().min(1, 'CMS_MASTER_KEYS is required (generate one: npm run keys:new)'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** BullMQ key prefix. Wrapped in {…} so every queue key hashes to one Redis Cluster slot. */
  CMS_QUEUE_PREFIX: z
    .string()
    .regex(/^[\w:-]+$/)
    .default('cms'),
  /** Our own AWS principal that assumes tenants' roles (the "poller"). */
  CMS_AWS_ACCESS_KEY_ID: z.string().optional(),
  CMS_AWS_SECRET_ACCESS_KEY: z.string().optional(),
  CMS_AWS_PRINCIPAL_ARN: z.string().default('arn:aws:iam::000000000000:role/cms-poller'),
  /** Endpoint overrides (cloudsim, or a private endpoint); unset → the real clouds. */
  CMS_AWS_ENDPOINT: z.string().url().optional(),
  CMS_AZURE_ENDPOINT: z.string().url().optional(),
  CMS_GCP_ENDPOINT: z.string().url().optional(),
  /** Naver Cloud: one base URL standing in for every NCP API gateway host (cloudsim); unset → NCP's own hosts. */
  CMS_NCP_ENDPOINT: z.string().url().optional(),
  CMS_CLOUD_CA_FILE: z.string().optional(),
  /** Allow webhook targets on private networks (self-hosted installs and tests only). */
  CMS_WEBHOOK_ALLOW_PRIVATE: bool,
  /** Scales every webhook retry delay (1 = the real schedule; tests and demos compress time with it). */
  CMS_WEBHOOK_TIME_FACTOR: z.coerce.number().positive().max(1000).default(1),
  /**
   * Marketplaces (all optional; a marketplace whose settings are missing answers 503 on its routes).
   * Plan maps are "marketplacePlan=cmsPlan,…". AWS uses the poller keys and CMS_AWS_ENDPOINT.
   */
  CMS_MP_AWS_PLAN_MAP: z.string().optional(),
  CMS_MP_AWS_DEFAULT_PLAN: z.string().default('team'),
  /** Regex for SNS SigningCertURL/SubscribeURL hosts (default: AWS's sns.<region>.amazonaws.com). */
  CMS_MP_SNS_CERT_HOST_PATTERN: z.string().optional(),
  CMS_MP_AZURE_API_BASE: z.string().url().default('https://marketplaceapi.microsoft.com/api/saas'),
  CMS_MP_AZURE_AUTHORITY: z.string().url().default('https://login.microsoftonline.com'),
  CMS_MP_AZURE_TENANT_ID: z.string().optional(),
  CMS_MP_AZURE_CLIENT_ID: z.string().optional(),
  CMS_MP_AZURE_CLIENT_SECRET: z.string().optional(),
  CMS_MP_AZURE_PLAN_MAP: z.string().optional(),
  CMS_MP_GCP_API_BASE: z.string().url().default('https://cloudcommerceprocurement.googleapis.com/v1'),
  CMS_MP_GCP_PROVIDER_ID: z.string().optional(),
  /** Our product domain: the sign-up JWT's audience. */
  CMS_MP_GCP_AUDIENCE: z.string().optional(),
  CMS_MP_GCP_CERTS_URL: z.string().url().optional(),
  CMS_MP_GCP_ISSUER: z.string().optional(),
  /** Service-account JSON (client_email, private_key, private_key_id) for the Procurement API. */
  CMS_MP_GCP_SERVICE_ACCOUNT: z.string().optional(),
  CMS_MP_GCP_PLAN_MAP: z.string().optional(),
  /**
   * Authenticated Pub/Sub push (required for /api/marketplace/gcp/events): the audience and the service
   * account set on the push subscription; Google's OIDC keys (default https://www.googleapis.com/oauth2/v3/certs).
   */
  CMS_MP_GCP_PUSH_AUDIENCE: z.string().optional(),
  CMS_MP_GCP_PUSH_SERVICE_ACCOUNT: z.string().email().optional(),
  CMS_MP_GCP_OIDC_CERTS_URL: z.string().url().optional(),
  CMS_MP_GCP_DEFAULT_PLAN: z.string().default('free'),
  /** Partner provisioning API: "partnerId=secret,…" (HMAC secrets). */
  CMS_MP_PARTNER_SECRETS: z.string().optional(),
  PUBLIC_URL: z.string().url().default('http://localhost:3000'),
  /**
   * Proxies (load balancers) whose `x-forwarded-for` is believed: "10.0.0.0/8,192.0.2.7,fd00::/8".
   * Empty (the default): the TCP peer is the client and every forwarded header is ignored.
   */
  CMS_TRUSTED_PROXIES: z
    .string()
    .default('')
    .refine(
      (v) =>
        v
          .split(',')
          .map((e) => e.trim())
          .filter(Boolean)
          .every((e) => {
            const [a = '', bits] = e.split('/')
            const f = isIP(a)
            return (
              f !== 0 && (bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (f === 6 ? 128 : 32)))
            )
          }),
      'must be a comma-separated list of IP addresses or CIDR ranges',
    ),
  AUTH_SECRET: z.string().min(32).optional(),
  PORT: z.coerce.number().int().positive().default(3000),
})

export type Config = z.infer<typeof configSchema>

export function parseConfig(env: Record<string, string | undefined>): Config {
  const r = configSchema.safeParse(env)
  if (!r.success) {
    const problems = r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
    throw new AppError('bad_request', `Invalid configuration — ${problems.join('; ')}`, { problems })
  }
  return r.data
}

let cached: Config | undefined
/** The process's configuration (parsed from process.env on first use). */
export function loadConfig(): Config {
  cached ??= parseConfig(process.env)
  return cached
}

/** The raw environment, for entry points that must pass it to a child process. */
export function processEnv(): Record<string, string | undefined> {
  return process.env
}
