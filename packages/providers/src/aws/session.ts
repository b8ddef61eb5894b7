/**
 * Resolving AWS credentials into a usable session: access keys as given, or AssumeRole with the
 * tenant's ExternalId (the default), the temporary credentials cached until shortly before expiry so a
 * poll cycle costs no STS call. The account id comes from the role ARN or one cached GetCallerIdentity.
 */
import { AppError, type AwsCredentials } from '@cms/core'
import type { AwsCredentialIdentity } from '@aws-sdk/types'
import type { STS } from '@aws-sdk/client-sts'
import type { CallRunner } from '../shared/call'
import { badResponse } from '../shared/call'
import { AwsClients, HOME_REGION } from './clients'
import { LruCache } from '../shared/lru'

export interface AwsSession {
  accountId: string
  clients: AwsClients
  /** ARN of who we act as (the assumed role or the key's user). */
  arn?: string
  /** The credentials came from the process cache (not minted by this call). */
  cached: boolean
  /** Drop cached temporary credentials / identity (they were rejected). */
  invalidate(): void
}

const REFRESH_MARGIN_MS = 5 * 60_000
// Bounded: a worker serves every tenant; an evicted entry costs one AssumeRole / GetCallerIdentity.
const CACHE_SIZE = 4096
const roleCache = new LruCache<string, { creds: AwsCredentialIdentity; expiresAt: number; arn: string }>(
  CACHE_SIZE,
)
const identityCache = new LruCache<string, { accountId: string; arn: string }>(CACHE_SIZE)

export function accountFromRoleArn(roleArn: string): string {
  const id = roleArn.split(':')[4]
  if (!id) throw new AppError('credentials_invalid', 'The role ARN has no account id')
  return id
}

/** Role credentials without base keys get our poller's keys (from the context); others pass unchanged. */
export function withPollerKeys(
  creds: AwsCredentials,
  poller: { accessKeyId: string; secretAccessKey: string } | undefined,
): AwsCredentials {
  if (creds.method !== 'assumeRole' || creds.accessKeyId || !poller) return creds
  return { ...creds, accessKeyId: poller.accessKeyId, secretAccessKey: poller.secretAccessKey }
}

export interface OpenSessionOptions {
  endpoint?: string
  /** Force a GetCallerIdentity (verify does: it proves the keys work). */
  checkIdentity?: boolean
}

export async function openAwsSession(
  creds: AwsCredentials,
  run: CallRunner,
  opts: OpenSessionOptions = {},
): Promise<AwsSession> {
  const endpoint = opts.endpoint
  if (creds.method === 'accessKeys') {
    const base: AwsCredentialIdentity = {
      accessKeyId: creds.accessKeyId,
      secretAccessKey: creds.secretAccessKey,
      ...(creds.sessionToken ? { sessionToken: creds.sessionToken } : {}),
    }
    const clients = new AwsClients({ credentials: base, ...(endpoint ? { endpoint } : {}) })
    const cacheKey = `${endpoint ?? ''}|${creds.accessKeyId}`
    let who = opts.checkIdentity ? undefined : identityCache.get(cacheKey)
    if (!who) {
      who = await callerIdentity(clients.sts(), run, '-')
      identityCache.set(cacheKey, who)
    }
    return {
      accountId: who.accountId,
      arn: who.arn,
      clients,
      cached: false,
      invalidate: () => identityCache.delete(cacheKey),
    }
  }

  const accountId = accountFromRoleArn(creds.roleArn)
  if (!creds.accessKeyId || !creds.secretAccessKey)
    throw new AppError(
      'credentials_invalid',
      'No base credentials to assume the role with (our poller keys are missing)',
    )
  const cacheKey = `${endpoint ?? ''}|${creds.roleArn}|${creds.externalId}|${creds.accessKeyId}`
  let cached = roleCache.get(cacheKey)
  const fromCache = !!cached && cached.expiresAt - REFRESH_MARGIN_MS >= Date.now()
  if (!cached || !fromCache) {
    const base = new AwsClients({
      credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey },
      ...(endpoint ? { endpoint } : {}),
    })
    try {
      const out = await run.run(
        { cloud: 'aws', account: accountId, region: HOME_REGION },
        { api: 'sts', operation: 'AssumeRole' },
        async () => {
          const r = await base.sts().assumeRole({
            RoleArn: creds.roleArn,
            RoleSessionName: 'cms-poller',
            ExternalId: creds.externalId,
            DurationSeconds: 3600,
          })
          if (!r.Credentials?.AccessKeyId || !r.Credentials.SecretAccessKey || !r.Credentials.SessionToken)
            throw badResponse('AssumeRole returned no credentials')
          return r
        },
      )
      const c = out.Credentials as {
        AccessKeyId: string
        SecretAccessKey: string
        SessionToken: string
        Expiration?: Date
      }
      cached = {
        creds: {
          accessKeyId: c.AccessKeyId,
          secretAccessKey: c.SecretAccessKey,
          sessionToken: c.SessionToken,
        },
        expiresAt: c.Expiration?.getTime() ?? Date.now() + 3600_000,
        arn: out.AssumedRoleUser?.Arn ?? creds.roleArn,
      }
      roleCache.set(cacheKey, cached)
    } catch (e) {
      if (e instanceof AppError && e.code === 'access_denied')
        throw new AppError(
          'access_denied',
          `Cannot assume ${creds.roleArn}: its trust policy must allow our principal with this ExternalId (sts:AssumeRole)`,
          { ...e.details, permission: 'sts:AssumeRole' },
        )
      throw e
    } finally {
      base.destroy()
    }
  }
  const clients = new AwsClients({ credentials: cached.creds, ...(endpoint ? { endpoint } : {}) })
  const invalidate = () => roleCache.delete(cacheKey)
  if (opts.checkIdentity) {
    const who = await callerIdentity(clients.sts(), run, accountId).catch((e: unknown) => {
      invalidate()
      throw e
    })
    return { accountId: who.accountId, arn: who.arn, clients, cached: fromCache, invalidate }
  }
  return { accountId, arn: cached.arn, clients, cached: fromCache, invalidate }
}

/** Open a session, run `fn`, release the clients; rejected credentials are forgotten so the next run re-assumes. */
export async function withAwsSession<T>(
  creds: AwsCredentials,
  run: CallRunner,
  endpoint: string | undefined,
  fn: (s: AwsSession) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const s = await openAwsSession(creds, run, endpoint ? { endpoint } : {})
    try {
      return await fn(s)
    } catch (e) {
      if (!(e instanceof AppError && e.code === 'credentials_invalid')) throw e
      s.invalidate()
      // Cached role credentials can be revoked before they expire ("revoke active sessions"): re-assume once.
      if (!s.cached || attempt > 1) throw e
    } finally {
      s.clients.destroy()
    }
  }
}

async function callerIdentity(
  sts: Pick<STS, 'getCallerIdentity'>,
  run: CallRunner,
  account: string,
): Promise<{ accountId: string; arn: string }> {
  return run.run(
    { cloud: 'aws', account, region: HOME_REGION },
    { api: 'sts', operation: 'GetCallerIdentity' },
    async () => {
      const out = await sts.getCallerIdentity({})
      if (!out.Account || !out.Arn) throw badResponse('GetCallerIdentity returned no account')
      return { accountId: out.Account, arn: out.Arn }
    },
  )
}

/** Forget cached sessions (a tenant rotated its role or keys). */
export function clearAwsSessionCache(): void {
  roleCache.clear()
  identityCache.clear()
}
