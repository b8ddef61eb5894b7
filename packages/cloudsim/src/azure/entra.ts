/** Entra ID (v2.0): OpenID configuration and the client-credentials token endpoint, per tenant. */
import { randomBytes } from 'node:crypto'
import type { Sim } from '../control/sim'
import { json, type Reply } from '../http'

function aadError(status: number, error: string, code: string, description: string): Reply {
  return json(status, {
    error,
    error_description: `${code}: ${description}\r\nTrace ID: 00000000-0000-0000-0000-000000000000\r\nTimestamp: ${new Date().toISOString()}`,
    error_codes: [Number(code.slice(5))],
    timestamp: new Date().toISOString(),
  })
}

function tenantExists(sim: Sim, tenant: string): boolean {
  for (const p of sim.world.azurePrincipals.values()) if (p.tenantId === tenant) return true
  return false
}

export function openIdConfiguration(sim: Sim, tenant: string, origin: string): Reply {
  if (!tenantExists(sim, tenant))
    return aadError(400, 'invalid_tenant', 'AADSTS90002', `Tenant '${tenant}' not found.`)
  const base = `${origin}/${tenant}`
  return json(200, {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${origin}/${tenant}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: `${origin}/${tenant}/v2.0`,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    tenant_region_scope: 'AS',
    cloud_instance_name: 'microsoftonline.com',
  })
}

export function tokenEndpoint(sim: Sim, tenant: string, body: Buffer): Reply {
  const form = new URLSearchParams(body.toString('utf8'))
  if (!tenantExists(sim, tenant))
    return aadError(
      400,
      'invalid_request',
      'AADSTS90002',
      `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
    )
  if (form.get('grant_type') !== 'client_credentials')
    return aadError(
      400,
      'unsupported_grant_type',
      'AADSTS70003',
      'The app requested an unsupported grant type.',
    )
  const clientId = form.get('client_id') ?? ''
  const p = sim.world.azurePrincipals.get(clientId)
  if (!p || p.tenantId !== tenant)
    return aadError(
      400,
      'unauthorized_client',
      'AADSTS700016',
      `Application with identifier '${clientId}' was not found in the directory '${tenant}'.`,
    )
  if (p.revoked || form.get('client_secret') !== p.clientSecret)
    return aadError(
      401,
      'invalid_client',
      'AADSTS7000215',
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
    )
  const token = `simaz.${randomBytes(24).toString('base64url')}`
  const expiresIn = 3599
  sim.azureTokens.set(token, { tenantId: tenant, clientId, expiresAt: sim.world.nowMs() + expiresIn * 1000 })
  return json(200, {
    token_type: 'Bearer',
    expires_in: expiresIn,
    ext_expires_in: expiresIn,
    access_token: token,
  })
}

export function jwks(): Reply {
  return json(200, { keys: [] })
}
