/** Every /api/v1 route, in one list (OpenAPI and the cross-tenant test iterate it). */
import { z } from 'zod'
import { awsSetup, createAccount, deleteAccount, getAccount, listAccounts, patchAccount } from '../accounts'
import { verifyAccount } from '../cloud-bridge'
import { readCosts } from '../costs'
import { getResource, listResources } from '../inventory'
import { readSeries } from '../metrics'
import { readUsage } from '../usage'
import { defineRoute } from './define-route'
import {
  accountSchema, awsSetupSchema, costsQuerySchema, costsResponseSchema, createAccountSchema, deletedSchema, metricsQuerySchema,
  metricsResponseSchema, pageOf, patchAccountSchema, resourceDetailSchema, resourceQuerySchema, resourceSchema, usageQuerySchema,
  usageResponseSchema, uuidParam, verifyResultSchema,
} from './schemas'

export const routes = {
  listAccounts: defineRoute({
    id: 'listAccounts', method: 'GET', path: '/accounts', summary: 'List cloud accounts', role: 'viewer',
    response: z.object({ items: z.array(accountSchema) }),
    run: async (t) => ({ items: await listAccounts(t) }),
  }),
  createAccount: defineRoute({
    id: 'createAccount', method: 'POST', path: '/accounts', summary: 'Connect a cloud account (verified on save)', role: 'admin', status: 201,
    body: createAccountSchema, response: z.object({ account: accountSchema, verification: verifyResultSchema }),
    run: async (t, { body }) => {
      const account = await createAccount(t, body)
      const verification = await verifyAccount(t, account.id)
      return { account: await getAccount(t, account.id), verification }
    },
  }),
  awsSetup: defineRoute({
    id: 'awsSetup', method: 'GET', path: '/accounts/aws-setup', summary: 'Our principal, a fresh ExternalId and the CloudFormation template for the AWS role flow', role: 'admin',
    response: awsSetupSchema,
    run: async (t) => awsSetup(t.tenantId),
  }),
  getAccount: defineRoute({
    id: 'getAccount', method: 'GET', path: '/accounts/{id}', summary: 'Get a cloud account', role: 'viewer', tenantObject: 'account',
    params: uuidParam, response: accountSchema,
    run: async (t, { params }) => getAccount(t, params.id),
  }),
  patchAccount: defineRoute({
    id: 'patchAccount', method: 'PATCH', path: '/accounts/{id}', summary: 'Rename, set regions, pause/resume or replace credentials', role: 'admin', tenantObject: 'account',
    params: uuidParam, body: patchAccountSchema, response: accountSchema,
    run: async (t, { params, body }) => patchAccount(t, params.id, body),
  }),
  deleteAccount: defineRoute({
    id: 'deleteAccount', method: 'DELETE', path: '/accounts/{id}', summary: 'Delete a cloud account and its data', role: 'admin', tenantObject: 'account',
    params: uuidParam, response: deletedSchema,
    run: async (t, { params }) => deleteAccount(t, params.id),
  }),
  verifyAccount: defineRoute({
    id: 'verifyAccount', method: 'POST', path: '/accounts/{id}/verify', summary: 'Re-run verification (permissions, regions)', role: 'member', tenantObject: 'account',
    params: uuidParam, response: verifyResultSchema,
    run: async (t, { params }) => verifyAccount(t, params.id),
  }),
  listResources: defineRoute({
    id: 'listResources', method: 'GET', path: '/resources', summary: 'Search, filter and page the inventory (cursor paging)', role: 'viewer',
    query: resourceQuerySchema, response: pageOf(resourceSchema.extend({ accountName: z.string() }), 'ResourcePage'),
    run: async (t, { query }) => listResources(t, query),
  }),
  getResource: defineRoute({
    id: 'getResource', method: 'GET', path: '/resources/{id}', summary: 'Resource detail with its metric list', role: 'viewer', tenantObject: 'resource',
    params: uuidParam, response: resourceDetailSchema,
    run: async (t, { params }) => getResource(t, params.id),
  }),
  getResourceMetrics: defineRoute({
    id: 'getResourceMetrics', method: 'GET', path: '/resources/{id}/metrics', summary: 'One metric series over a range (raw ≤ 6 h, 5 m ≤ 7 d, else 1 h)', role: 'viewer', tenantObject: 'resource',
    params: uuidParam, query: metricsQuerySchema, response: metricsResponseSchema,
    run: async (t, { params, query }) => readSeries(t, params.id, query),
  }),
  getCosts: defineRoute({
    id: 'getCosts', method: 'GET', path: '/costs', summary: 'Daily costs grouped by service, account, region, cloud or day', role: 'viewer',
    query: costsQuerySchema, response: costsResponseSchema,
    run: async (t, { query }) => readCosts(t, query),
  }),
  getUsage: defineRoute({
    id: 'getUsage', method: 'GET', path: '/usage', summary: 'Cloud API calls and monitoring cost per account', role: 'viewer',
    query: usageQuerySchema, response: usageResponseSchema,
    run: async (t, { query }) => readUsage(t, query),
  }),
}

export const routeList = Object.values(routes)
