/** Every /api/v1 route, in one list (OpenAPI and the cross-tenant test iterate it). */
import { createAlertRuleSchema, createSilenceSchema, createWebhookEndpointSchema, rotateSecretSchema, updateAlertRuleSchema } from '@cms/alerts'
import { z } from 'zod'
import {
  addSilence, alertList, createEndpoint, createRule, endSilence, endpointDeliveries, getEndpoint, getRule, listEndpoints, listRules, patchEndpoint,
  patchRule, removeEndpoint, removeRule, replay, rotateSecret, sendTest, silences,
} from '../alerts'
import { readPlan } from '../plans'
import { awsSetup, createAccount, deleteAccount, getAccount, listAccounts, patchAccount } from '../accounts'
import { verifyAccount } from '../cloud-bridge'
import { readCosts } from '../costs'
import { getResource, listResources } from '../inventory'
import { readSeries } from '../metrics'
import { readUsage } from '../usage'
import { defineRoute } from './define-route'
import {
  alertInstanceSchema, alertRuleSchema, alertsQuerySchema, deliveriesQuerySchema, deliverySchema, dispatchResultSchema, endpointWithSecretSchema,
  patchWebhookSchema, planSchema, silenceSchema, silencesQuerySchema, webhookEndpointSchema,
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
  getPlan: defineRoute({
    id: 'getPlan', method: 'GET', path: '/plan', summary: 'The organization\'s plan, its limits and current usage', role: 'viewer',
    response: planSchema,
    run: async (t) => readPlan(t),
  }),

  // ---------------------------------------------------------------- alerts
  listAlerts: defineRoute({
    id: 'listAlerts', method: 'GET', path: '/alerts', summary: 'Active (firing/pending) and recently resolved alerts', role: 'viewer',
    query: alertsQuerySchema, response: z.object({ items: z.array(alertInstanceSchema) }),
    run: async (t, { query }) => ({ items: await alertList(t, query) }),
  }),
  listAlertRules: defineRoute({
    id: 'listAlertRules', method: 'GET', path: '/alert-rules', summary: 'List alert rules', role: 'viewer',
    response: z.object({ items: z.array(alertRuleSchema) }),
    run: async (t) => ({ items: await listRules(t) }),
  }),
  createAlertRule: defineRoute({
    id: 'createAlertRule', method: 'POST', path: '/alert-rules', summary: 'Create an alert rule (metric threshold, inventory event, account health, cost)', role: 'member', status: 201,
    body: createAlertRuleSchema, response: alertRuleSchema,
    run: async (t, { body }) => createRule(t, body),
  }),
  getAlertRule: defineRoute({
    id: 'getAlertRule', method: 'GET', path: '/alert-rules/{id}', summary: 'Get an alert rule', role: 'viewer', tenantObject: 'alertRule',
    params: uuidParam, response: alertRuleSchema,
    run: async (t, { params }) => getRule(t, params.id),
  }),
  patchAlertRule: defineRoute({
    id: 'patchAlertRule', method: 'PATCH', path: '/alert-rules/{id}', summary: 'Change an alert rule (its kind stays)', role: 'member', tenantObject: 'alertRule',
    params: uuidParam, body: updateAlertRuleSchema.strict(), response: alertRuleSchema,
    run: async (t, { params, body }) => patchRule(t, params.id, body),
  }),
  deleteAlertRule: defineRoute({
    id: 'deleteAlertRule', method: 'DELETE', path: '/alert-rules/{id}', summary: 'Delete an alert rule (no resolves are sent)', role: 'member', tenantObject: 'alertRule',
    params: uuidParam, response: z.object({ id: z.uuid(), deleted: z.literal(true) }),
    run: async (t, { params }) => removeRule(t, params.id),
  }),
  listWebhooks: defineRoute({
    id: 'listWebhooks', method: 'GET', path: '/webhooks', summary: 'List webhook endpoints', role: 'viewer',
    response: z.object({ items: z.array(webhookEndpointSchema) }),
    run: async (t) => ({ items: await listEndpoints(t) }),
  }),
  createWebhook: defineRoute({
    id: 'createWebhook', method: 'POST', path: '/webhooks', summary: 'Create a webhook endpoint (standard, slack, pagerduty, alertmanager); the signing secret is returned once', role: 'admin', status: 201,
    body: createWebhookEndpointSchema, response: endpointWithSecretSchema,
    run: async (t, { body }) => createEndpoint(t, body),
  }),
  getWebhook: defineRoute({
    id: 'getWebhook', method: 'GET', path: '/webhooks/{id}', summary: 'Get a webhook endpoint', role: 'viewer', tenantObject: 'webhook',
    params: uuidParam, response: webhookEndpointSchema,
    run: async (t, { params }) => getEndpoint(t, params.id),
  }),
  patchWebhook: defineRoute({
    id: 'patchWebhook', method: 'PATCH', path: '/webhooks/{id}', summary: 'Rename, change URL / routing key, enable or disable, acknowledge', role: 'admin', tenantObject: 'webhook',
    params: uuidParam, body: patchWebhookSchema, response: webhookEndpointSchema,
    run: async (t, { params, body }) => patchEndpoint(t, params.id, body),
  }),
  deleteWebhook: defineRoute({
    id: 'deleteWebhook', method: 'DELETE', path: '/webhooks/{id}', summary: 'Delete a webhook endpoint and its delivery log', role: 'admin', tenantObject: 'webhook',
    params: uuidParam, response: z.object({ id: z.uuid(), deleted: z.literal(true) }),
    run: async (t, { params }) => removeEndpoint(t, params.id),
  }),
  rotateWebhookSecret: defineRoute({
    id: 'rotateWebhookSecret', method: 'POST', path: '/webhooks/{id}/rotate-secret', summary: 'New signing secret (returned once); the old one keeps signing for graceHours', role: 'admin', tenantObject: 'webhook',
    params: uuidParam, body: rotateSecretSchema.strict(), response: endpointWithSecretSchema,
    run: async (t, { params, body }) => rotateSecret(t, params.id, body.graceHours),
  }),
  testWebhook: defineRoute({
    id: 'testWebhook', method: 'POST', path: '/webhooks/{id}/test', summary: 'Queue a test notification (a worker makes the attempt; retries follow the schedule)', role: 'member', tenantObject: 'webhook',
    params: uuidParam, response: dispatchResultSchema,
    run: async (t, { params }) => sendTest(t, params.id),
  }),
  listWebhookDeliveries: defineRoute({
    id: 'listWebhookDeliveries', method: 'GET', path: '/webhooks/{id}/deliveries', summary: 'Delivery log of an endpoint, newest first, with every attempt', role: 'viewer', tenantObject: 'webhook',
    params: uuidParam, query: deliveriesQuerySchema, response: z.object({ items: z.array(deliverySchema) }),
    run: async (t, { params, query }) => ({ items: await endpointDeliveries(t, params.id, query.limit) }),
  }),
  replayDelivery: defineRoute({
    id: 'replayDelivery', method: 'POST', path: '/webhooks/deliveries/{id}/replay', summary: 'Queue a delivery again (same webhook-id, fresh retry schedule)', role: 'member', tenantObject: 'delivery',
    params: uuidParam, response: dispatchResultSchema,
    run: async (t, { params }) => replay(t, params.id),
  }),
  listSilences: defineRoute({
    id: 'listSilences', method: 'GET', path: '/silences', summary: 'Silences and maintenance windows', role: 'viewer',
    query: silencesQuerySchema, response: z.object({ items: z.array(silenceSchema) }),
    run: async (t, { query }) => ({ items: (await silences(t, query.active === '1' || query.active === 'true')).slice(0, query.limit) }),
  }),
  createSilence: defineRoute({
    id: 'createSilence', method: 'POST', path: '/silences', summary: 'Silence a rule or label matchers for a time window', role: 'member', status: 201,
    body: createSilenceSchema, response: silenceSchema,
    run: async (t, { body }) => addSilence(t, body),
  }),
  expireSilence: defineRoute({
    id: 'expireSilence', method: 'DELETE', path: '/silences/{id}', summary: 'End a silence now (kept for history)', role: 'member', tenantObject: 'silence',
    params: uuidParam, response: z.object({ id: z.uuid(), expired: z.literal(true) }),
    run: async (t, { params }) => endSilence(t, params.id),
  }),
}

export const routeList = Object.values(routes)
