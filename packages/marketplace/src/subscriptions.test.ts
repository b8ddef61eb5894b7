import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '@cms/db/testing'
import {
  applySubscriptionEvent,
  nextStatus,
  provisionSubscription,
  purgeCancelledTenants,
} from './subscriptions'
import { assertCanAddCloudAccount, getTenantPlan, pollingPaused } from './plans'
import { handlePartnerRequest, signPartnerRequest } from './partner/provisioning'
import { signClaim, verifyClaim } from './claims'

let t: TestDatabase
beforeAll(async () => {
  t = await createTestDatabase()
})
afterAll(() => t?.drop())

const headers = (h: Record<string, string>) => ({ get: (n: string) => h[n] ?? null })
function partnerReq(
  secret: string,
  body: object,
  id: string = crypto.randomUUID(),
  ts = Math.floor(Date.now() / 1000),
) {
  const raw = JSON.stringify(body)
  return {
    headers: headers({
      'partner-id': 'ktcloud',
      'request-id': id,
      'request-timestamp': String(ts),
      'request-signature': signPartnerRequest(secret, id, ts, raw),
    }),
    body: raw,
  }
}

describe('subscription state machine', () => {
  it('allows only legal transitions', () => {
    expect(nextStatus('pending', 'activate')).toBe('active')
    expect(nextStatus('active', 'suspend')).toBe('suspended')
    expect(nextStatus('suspended', 'reinstate')).toBe('active')
    expect(nextStatus('cancelled', 'reinstate')).toBeNull()
    expect(nextStatus('cancelled', 'activate')).toBeNull()
    expect(nextStatus('pending', 'suspend')).toBeNull()
  })

  it('provisions once, applies plan changes, suspension and cancellation, audits each, ignores replays', async () => {
    const { subscription, created } = await provisionSubscription(t.worker, {
      source: 'azure',
      externalId: 'sub-1',
      planId: 'team',
      organizationName: 'Contoso',
    })
    expect(created).toBe(true)
    const again = await provisionSubscription(t.worker, {
      source: 'azure',
      externalId: 'sub-1',
      planId: 'team',
      organizationName: 'Contoso',
    })
    expect(again.created).toBe(false)
    expect(again.subscription.tenantId).toBe(subscription.tenantId)
    const tenantId = subscription.tenantId
    expect(await pollingPaused(t.worker, tenantId)).toBe(true) // pending

    expect(
      await applySubscriptionEvent(t.worker, {
        source: 'azure',
        eventId: 'op-1',
        kind: 'activate',
        externalId: 'sub-1',
      }),
    ).toEqual({ outcome: 'applied', status: 'active' })
    expect(await pollingPaused(t.worker, tenantId)).toBe(false)
    await applySubscriptionEvent(t.worker, {
      source: 'azure',
      eventId: 'op-2',
      kind: 'change_plan',
      externalId: 'sub-1',
      planId: 'enterprise',
    })
    expect((await getTenantPlan(t.worker, tenantId)).planId).toBe('enterprise')
    // replay of op-2 with a different plan changes nothing
    expect(
      (
        await applySubscriptionEvent(t.worker, {
          source: 'azure',
          eventId: 'op-2',
          kind: 'change_plan',
          externalId: 'sub-1',
          planId: 'free',
        })
      ).outcome,
    ).toBe('duplicate')
    expect((await getTenantPlan(t.worker, tenantId)).planId).toBe('enterprise')

    await applySubscriptionEvent(t.worker, {
      source: 'azure',
      eventId: 'op-3',
      kind: 'suspend',
      externalId: 'sub-1',
    })
    expect(await pollingPaused(t.worker, tenantId)).toBe(true)
    const now = new Date('2026-11-27T00:00:00Z')
    await applySubscriptionEvent(
      t.worker,
      { source: 'azure', eventId: 'op-4', kind: 'cancel', externalId: 'sub-1' },
      { now: () => now, purgeGraceDays: 30 },
    )
    const sub = await t.worker.marketplaceSubscription.findUniqueOrThrow({ where: { id: subscription.id } })
    expect(sub.status).toBe('cancelled')
    expect(sub.purgeAfter?.toISOString()).toBe('2026-12-27T00:00:00.000Z')
    expect(
      (
        await applySubscriptionEvent(t.worker, {
          source: 'azure',
          eventId: 'op-5',
          kind: 'reinstate',
          externalId: 'sub-1',
        })
      ).outcome,
    ).toBe('illegal_transition')

    const actions = (
      await t.worker.auditLog.findMany({ where: { tenantId }, orderBy: { createdAt: 'asc' } })
    ).map((a) => a.action)
    expect(actions).toEqual(
      expect.arrayContaining([
        'subscription.created',
        'subscription.activate',
        'subscription.change_plan',
        'subscription.suspend',
        'subscription.cancel',
        'subscription.rejected_transition',
      ]),
    )

    // Data survives the grace period, then goes.
    expect(await purgeCancelledTenants(t.worker, new Date('2026-12-01T00:00:00Z'))).toEqual([])
    expect(await t.worker.organization.count({ where: { id: tenantId } })).toBe(1)
    expect(await purgeCancelledTenants(t.worker, new Date('2026-12-28T00:00:00Z'))).toEqual([tenantId])
    expect(await t.worker.organization.count({ where: { id: tenantId } })).toBe(0)
  })
})

describe('plan limits', () => {
  it('a Free tenant cannot add more cloud accounts than allowed', async () => {
    const { subscription } = await provisionSubscription(t.worker, {
      source: 'partner',
      externalId: 'p:free-1',
      planId: 'free',
      organizationName: 'Small Co',
    })
    const tenantId = subscription.tenantId
    const limits = (await getTenantPlan(t.worker, tenantId)).limits
    for (let i = 0; i < limits.cloudAccounts!; i++) {
      await assertCanAddCloudAccount(t.worker, tenantId)
      await t.worker.cloudAccount.create({
        data: { tenantId, cloud: 'aws', name: `a${i}`, credentials: {}, credentialsView: {} },
      })
    }
    await expect(assertCanAddCloudAccount(t.worker, tenantId)).rejects.toMatchObject({
      code: 'limit_exceeded',
      httpStatus: 402,
    })
    // Plan change takes effect immediately, no restart.
    await applySubscriptionEvent(t.worker, {
      source: 'partner',
      eventId: 'x1',
      kind: 'change_plan',
      externalId: 'p:free-1',
      planId: 'team',
    })
    await expect(assertCanAddCloudAccount(t.worker, tenantId)).resolves.toBeUndefined()
  })
})

describe('partner provisioning API', () => {
  const secrets = { ktcloud: 'partner-secret-0123456789abcdef' }
  it('creates, changes and cancels with valid signatures; rejects forged, stale and replayed requests', async () => {
    const created = await handlePartnerRequest(
      t.worker,
      partnerReq(secrets.ktcloud, {
        action: 'create',
        subscriptionId: 'S-100',
        organizationName: '케이티 고객',
        planId: 'team',
      }),
      secrets,
    )
    expect(created).toMatchObject({ created: true, outcome: 'applied' })
    const tenantId = (created as { tenantId: string }).tenantId
    expect((await getTenantPlan(t.worker, tenantId)).planId).toBe('team')

    const forged = partnerReq('wrong-secret', { action: 'cancel', subscriptionId: 'S-100' })
    await expect(handlePartnerRequest(t.worker, forged, secrets)).rejects.toMatchObject({
      code: 'unauthenticated',
    })
    const stale = partnerReq(
      secrets.ktcloud,
      { action: 'cancel', subscriptionId: 'S-100' },
      'r-old',
      Math.floor(Date.now() / 1000) - 3600,
    )
    await expect(handlePartnerRequest(t.worker, stale, secrets)).rejects.toMatchObject({
      code: 'unauthenticated',
    })
    await expect(
      handlePartnerRequest(t.worker, partnerReq(secrets.ktcloud, { action: 'explode' }), secrets),
    ).rejects.toMatchObject({ code: 'validation_failed' })
    expect((await t.worker.marketplaceSubscription.findFirstOrThrow({ where: { tenantId } })).status).toBe(
      'active',
    )

    const change = partnerReq(
      secrets.ktcloud,
      { action: 'change_plan', subscriptionId: 'S-100', planId: 'enterprise' },
      'r-change',
    )
    expect(await handlePartnerRequest(t.worker, change, secrets)).toMatchObject({ outcome: 'applied' })
    expect(await handlePartnerRequest(t.worker, change, secrets)).toMatchObject({ outcome: 'duplicate' })
    expect((await getTenantPlan(t.worker, tenantId)).planId).toBe('enterprise')
    await handlePartnerRequest(
      t.worker,
      partnerReq(secrets.ktcloud, { action: 'cancel', subscriptionId: 'S-100' }),
      secrets,
    )
    expect((await t.worker.marketplaceSubscription.findFirstOrThrow({ where: { tenantId } })).status).toBe(
      'cancelled',
    )
    await expect(
      handlePartnerRequest(
        t.worker,
        partnerReq(secrets.ktcloud, { action: 'cancel', subscriptionId: 'nope' }),
        secrets,
      ),
    ).rejects.toMatchObject({ code: 'not_found' })
  })
})

it('claims are bound to a tenant and expire', () => {
  const c = signClaim('s'.repeat(32), 'tenant-1', 60, 1_000_000)
  expect(verifyClaim('s'.repeat(32), c, 1_000_000)).toBe('tenant-1')
  expect(() => verifyClaim('t'.repeat(32), c, 1_000_000)).toThrow(/invalid or has expired/)
  expect(() => verifyClaim('s'.repeat(32), c, 1_000_000 + 61_000)).toThrow(/expired/)
  expect(() => verifyClaim('s'.repeat(32), `${c.split('.')[0]}x.${c.split('.')[1]}`, 1_000_000)).toThrow()
})
