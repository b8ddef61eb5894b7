import { AppError } from '@cms/core'
import { describe, expect, it } from 'vitest'
import { classifyAwsError } from '../aws/errors'
import { CallRunner } from './call'
import { CallMeter } from './calls'

// The runner is exercised with plain functions that fail like the SDKs do; SDK behaviour itself is
// tested against cloudsim.
const awsError = (name: string, status = 400) =>
  Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status } })
const fast = { maxAttempts: { throttled: 6, cloud_unavailable: 3, bad_response: 2 }, baseMs: 1, capMs: 5 }
const free = { budget: { take: async () => {} } }
const scope = { cloud: 'aws' as const, account: '111122223333', region: 'us-east-1' }

describe('CallRunner', () => {
  it('absorbs throttling with retries and counts every attempt', async () => {
    const meter = new CallMeter()
    const r = new CallRunner(free, meter, classifyAwsError, fast)
    let n = 0
    const out = await r.run(scope, { api: 'ec2', operation: 'DescribeInstances' }, async () => {
      if (++n < 4) throw awsError('RequestLimitExceeded', 503)
      return 'ok'
    })
    expect(out).toBe('ok')
    expect(meter.snapshot()).toEqual([
      { api: 'ec2', operation: 'DescribeInstances', calls: 4, billableUnits: 0, costUsd: 0, throttled: 3 },
    ])
  })

  it('surfaces persistent throttling as throttled', async () => {
    const r = new CallRunner(free, new CallMeter(), classifyAwsError, fast)
    await expect(
      r.run(scope, { api: 'ce', operation: 'GetCostAndUsage' }, () =>
        Promise.reject(awsError('LimitExceededException')),
      ),
    ).rejects.toMatchObject({
      code: 'throttled',
      details: { attempts: 6 },
    })
  })

  it('does not retry access errors and maps them', async () => {
    const r = new CallRunner(free, new CallMeter(), classifyAwsError, fast)
    let n = 0
    const e = await r
      .run(scope, { api: 'ec2', operation: 'DescribeVpcs' }, () => {
        n++
        return Promise.reject(awsError('UnauthorizedOperation', 403))
      })
      .catch((x: unknown) => x)
    expect(n).toBe(1)
    expect(e).toBeInstanceOf(AppError)
    expect((e as AppError).code).toBe('access_denied')
    expect((e as AppError).message).not.toMatch(/at .*\.ts/)
  })

  it('counts billable units and their price on success only', async () => {
    const meter = new CallMeter()
    const r = new CallRunner(free, meter, classifyAwsError, fast)
    await r.run(scope, { api: 'cloudwatch', operation: 'GetMetricData', units: 500 }, async () => 1)
    expect(meter.snapshot()[0]).toMatchObject({ calls: 1, billableUnits: 500, costUsd: 0.005 })
  })
})

describe('CallRunner cancellation', () => {
  it('stops retrying as soon as the job is aborted', async () => {
    const ac = new AbortController()
    const r = new CallRunner({ ...free, signal: ac.signal }, new CallMeter(), classifyAwsError, fast)
    let n = 0
    const p = r.run(scope, { api: 'ec2', operation: 'DescribeInstances' }, () => {
      if (++n === 2) ac.abort(new Error('job cancelled'))
      return Promise.reject(awsError('RequestLimitExceeded', 503))
    })
    await expect(p).rejects.toThrow('job cancelled')
    expect(n).toBe(2)
  })
})

describe('classifyAwsError', () => {
  it.each([
    ['Throttling', 'throttled'],
    ['RequestLimitExceeded', 'throttled'],
    ['InvalidClientTokenId', 'credentials_invalid'],
    ['AuthFailure', 'credentials_invalid'],
    ['AccessDenied', 'access_denied'],
    ['UnauthorizedOperation', 'access_denied'],
    ['OptInRequired', 'region_disabled'],
    ['DBInstanceNotFound', 'not_found'],
    ['InternalError', 'cloud_unavailable'],
  ])('%s → %s', (name, code) => {
    expect(classifyAwsError(awsError(name)).code).toBe(code)
  })
  it('network failures are cloud_unavailable, parse failures bad_response', () => {
    expect(classifyAwsError(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' })).code).toBe(
      'cloud_unavailable',
    )
    expect(classifyAwsError(new SyntaxError('Unexpected token < in JSON')).code).toBe('bad_response')
  })
})
