import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { parseCredentials } from '@cms/core'
import { accountOf, useCloudSim } from '@cms/cloudsim/testing/sim-fixture'
import { describe, expect, it } from 'vitest'
import { callsOf, simCalls, simContext } from '../../testing/sim-context'
import { GcpClients, withDeadline } from './clients'
import { gcpProvider } from './provider'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

const getSim = useCloudSim({ seed: 13, scenario: 'minimal' })
const creds = () => parseCredentials('gcp', accountOf(getSim(), 'gcp').credentials)

describe('gcp clients', () => {
  it('a consumed timeSeries.list answer is garbage at once (gax kept it 90 s behind its deadline signal)', async () => {
    const sim = getSim()
    const project = accountOf(sim, 'gcp').nativeIds[0] as string
    const client = GcpClients.for(creds(), simContext(sim)).monitoring()
    const end = Math.floor(Date.now() / 300_000) * 300
    const ref = await (async () => {
      const [series] = await withDeadline((o) =>
        client.listTimeSeries(
          {
            name: `projects/${project}`,
            filter: 'metric.type = "compute.googleapis.com/instance/cpu/utilization"',
            interval: { startTime: { seconds: end - 3600 }, endTime: { seconds: end } },
            view: 'FULL',
            pageSize: 100_000,
          },
          o,
        ),
      )
      expect(series.length).toBeGreaterThan(0)
      return new WeakRef(series)
    })()
    await new Promise((r) => setTimeout(r, 10))
    gc()
    expect(ref.deref()).toBeUndefined()
  })

  it('one client set per key and endpoint, shared by sessions', () => {
    const sim = getSim()
    const a = GcpClients.for(creds(), simContext(sim))
    expect(GcpClients.for(creds(), simContext(sim))).toBe(a)
    expect(GcpClients.for(creds(), { endpoints: { gcp: 'http://127.0.0.1:1' } })).not.toBe(a)
    expect(GcpClients.for({ ...creds(), private_key_id: 'other' }, simContext(sim))).not.toBe(a)
  })

  it('concurrent listings through one shared client count their own pages', async () => {
    const sim = getSim()
    const a = accountOf(sim, 'gcp')
    for (let i = 0; i < 501; i++)
      sim.control.createResource({
        account: a.nativeIds[0] as string,
        region: a.regions[0] as string,
        type: 'gcp.instance',
        name: `conc-gce-${i}`,
      })
    sim.control.resetCalls()
    const [x, y] = await Promise.all([
      gcpProvider.inventory!.discover(creds(), { regions: [] }, simContext(sim)),
      gcpProvider.inventory!.discover(creds(), { regions: [] }, simContext(sim)),
    ])
    const pages = callsOf(x.calls, 'instances.aggregatedList')
    expect(pages).toBeGreaterThan(1)
    expect(callsOf(y.calls, 'instances.aggregatedList')).toBe(pages)
    expect(simCalls(sim, 'instances.aggregatedList')).toBe(2 * pages)
    sim.control.reset()
  })
})

describe('withDeadline', () => {
  const hang = (o: { signal: AbortSignal }) =>
    new Promise<never>((_, reject) => o.signal.addEventListener('abort', () => reject(new Error('aborted'))))

  it('a call that never answers is cloud_unavailable after the deadline (and aborted)', async () => {
    let aborted: AbortSignal | undefined
    await expect(
      withDeadline(
        (o) => {
          aborted = o.signal
          return hang(o)
        },
        undefined,
        20,
      ),
    ).rejects.toMatchObject({ code: 'cloud_unavailable' })
    expect(aborted?.aborted).toBe(true)
  })

  it('the caller signal aborts the call with its own reason', async () => {
    const ac = new AbortController()
    const p = withDeadline(hang, ac.signal, 60_000)
    ac.abort(new Error('job cancelled'))
    await expect(p).rejects.toThrow(/aborted|job cancelled/)
  })

  it('never arms gax deadline timers (their listeners pin responses)', async () => {
    await withDeadline(async (o) => {
      expect(o.timeout).toBe(Number.POSITIVE_INFINITY)
      expect(o.retry).toBeNull()
    })
  })
})
