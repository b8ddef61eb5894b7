/** HTTP binding of SimControl under /_sim/ (see README for the route list). */
import { json, type Reply } from '../http'
import type { CloudKind, SimState } from '../world/types'
import { ControlError, type CreateResourceInput, type SimControl } from './control'
import type { FaultRule } from './sim'
import type { SimLimits } from './sim'

const CLOUDS: readonly string[] = ['aws', 'azure', 'gcp', 'ncp']
const STATES: readonly string[] = ['pending', 'running', 'stopped', 'terminated']

function body(raw: Buffer): Record<string, unknown> {
  if (raw.length === 0) return {}
  const v: unknown = JSON.parse(raw.toString('utf8'))
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw new ControlError(400, 'body must be a JSON object')
  return v as Record<string, unknown>
}

function cloudOf(v: unknown): CloudKind {
  if (typeof v !== 'string' || !CLOUDS.includes(v))
    throw new ControlError(400, 'cloud must be aws, azure, gcp or ncp')
  return v as CloudKind
}

function strField(b: Record<string, unknown>, k: string): string {
  const v = b[k]
  if (typeof v !== 'string' || v === '') throw new ControlError(400, `${k} is required`)
  return v
}

export async function handleControl(
  control: SimControl,
  method: string,
  url: URL,
  raw: Buffer,
): Promise<Reply> {
  try {
    const path = url.pathname.replace(/\/+$/, '')
    const q = url.searchParams
    const route = `${method} ${path}`
    switch (route) {
      case 'GET /_sim/health':
        return json(200, { ok: true, resources: control.world.resourceCount })
      case 'GET /_sim/accounts':
        return json(200, { accounts: control.accounts(), poller: control.poller() })
      case 'GET /_sim/resources':
        return json(200, {
          resources: control.resources({
            ...(q.get('cloud') ? { cloud: q.get('cloud') ?? '' } : {}),
            ...(q.get('account') ? { account: q.get('account') ?? '' } : {}),
            ...(q.get('region') ? { region: q.get('region') ?? '' } : {}),
            ...(q.get('type') ? { type: q.get('type') ?? '' } : {}),
            includeTerminated: q.get('includeTerminated') === 'true',
          }),
        })
      case 'GET /_sim/resources/summary':
        return json(200, control.summary())
      case 'POST /_sim/resources': {
        const b = body(raw)
        const input: CreateResourceInput = {
          account: strField(b, 'account'),
          region: strField(b, 'region'),
          type: strField(b, 'type'),
          name: strField(b, 'name'),
        }
        if (b.cloud !== undefined) input.cloud = cloudOf(b.cloud)
        if (b.tags && typeof b.tags === 'object') input.tags = b.tags as Record<string, string>
        if (b.attrs && typeof b.attrs === 'object')
          input.attrs = b.attrs as Record<string, string | number | boolean>
        return json(201, control.createResource(input))
      }
      case 'POST /_sim/resources/state': {
        const b = body(raw)
        const state = strField(b, 'state')
        if (!STATES.includes(state)) throw new ControlError(400, `state must be one of ${STATES.join(', ')}`)
        return json(200, control.setResourceState(strField(b, 'id'), state as SimState))
      }
      case 'POST /_sim/credentials/revoke': {
        const b = body(raw)
        control.revokeCredentials(cloudOf(b.cloud), strField(b, 'account'))
        return json(200, { revoked: true })
      }
      case 'POST /_sim/credentials/rotate': {
        const b = body(raw)
        return json(200, await control.rotateCredentials(cloudOf(b.cloud), strField(b, 'account')))
      }
      case 'POST /_sim/roles/external-id': {
        const b = body(raw)
        return json(200, control.setRoleExternalId(strField(b, 'account'), strField(b, 'externalId')))
      }
      case 'GET /_sim/faults':
        return json(200, { faults: control.faults() })
      case 'POST /_sim/faults':
        return json(201, control.addFault(body(raw) as Omit<FaultRule, 'id'>))
      case 'DELETE /_sim/faults':
        control.clearFaults()
        return json(200, { faults: [] })
      case 'GET /_sim/calls':
        return json(200, control.calls())
      case 'DELETE /_sim/calls':
        control.resetCalls()
        return json(200, { rows: [] })
      case 'GET /_sim/clock':
        return json(200, control.clock())
      case 'POST /_sim/clock': {
        const b = body(raw)
        if (typeof b.offsetMs === 'number') return json(200, control.setClockOffset(b.offsetMs))
        if (typeof b.advanceMs === 'number') return json(200, control.advanceClock(b.advanceMs))
        throw new ControlError(400, 'give offsetMs or advanceMs')
      }
      case 'GET /_sim/limits':
        return json(200, control.limits())
      case 'POST /_sim/limits':
        return json(200, control.setLimits(body(raw) as Partial<SimLimits>))
      case 'POST /_sim/reset':
        control.reset()
        return json(200, { ok: true })
      case 'GET /_sim/marketplace':
        return json(200, control.marketplace())
      case 'POST /_sim/marketplace/aws/tokens': {
        const b = body(raw)
        return json(
          201,
          control.mintMarketplaceToken({
            productCode: strField(b, 'productCode'),
            ...(typeof b.awsAccountId === 'string' ? { awsAccountId: b.awsAccountId } : {}),
            ...(typeof b.customerIdentifier === 'string' ? { customerIdentifier: b.customerIdentifier } : {}),
          }),
        )
      }
      case 'GET /_sim/metrics':
        return json(200, {
          buckets: control.metricTruth({
            resourceId: q.get('resource') ?? '',
            metric: q.get('metric') ?? '',
            startSec: Number(q.get('start')),
            endSec: Number(q.get('end')),
            periodSec: Number(q.get('period') ?? 300),
            stat: q.get('stat') ?? 'Average',
          }),
        })
    }
    const fault = /^DELETE \/_sim\/faults\/([^/]+)$/.exec(route)
    if (fault?.[1])
      return json(control.removeFault(decodeURIComponent(fault[1])) ? 200 : 404, { removed: fault[1] })
    return json(404, { error: `no control route ${route}` })
  } catch (e) {
    if (e instanceof ControlError) return json(e.status, { error: e.message })
    if (e instanceof SyntaxError) return json(400, { error: 'invalid JSON body' })
    return json(500, { error: e instanceof Error ? e.message : String(e) })
  }
}
