import type { CloudKind } from '@cms/core'
import { describe, expect, it } from 'vitest'
import { awsProvider } from './aws/provider'
import { azureProvider } from './azure/provider'
import type { Provider } from './contract'
import { gcpProvider } from './gcp/provider'
import { ncpProvider } from './ncp/provider'
import { capabilitiesOf, lazyProvider, providers } from './registry'

const real: { [K in CloudKind]: Provider<K> } = {
  aws: awsProvider,
  azure: azureProvider,
  gcp: gcpProvider,
  ncp: ncpProvider,
}
const TYPES = [
  'ec2.instance',
  'rds.instance',
  'rds.cluster',
  'nat_gateway',
  'azure.vm',
  'azure.sql_database',
  'gcp.instance',
  'gcp.sql_instance',
  'vpc',
  'ncp.server',
  'ncp.mysql',
  'ncp.vpc',
]

describe('lazy registry', () => {
  it.each(['aws', 'azure', 'gcp', 'ncp'] as const)(
    '%s: same capabilities and catalogues as the implementation',
    (cloud) => {
      const lazy = providers[cloud]
      const impl = real[cloud]
      expect(lazy.cloud).toBe(cloud)
      expect(capabilitiesOf(cloud)).toEqual([
        'verify',
        ...(impl.inventory ? ['inventory'] : []),
        ...(impl.metrics ? ['metrics'] : []),
        ...(impl.costs ? ['costs'] : []),
      ])
      expect(Object.keys(lazy.inventory ?? {}).sort()).toEqual(Object.keys(impl.inventory ?? {}).sort())
      expect(Object.keys(lazy.metrics ?? {}).sort()).toEqual(Object.keys(impl.metrics ?? {}).sort())
      expect(Object.keys(lazy.costs ?? {}).sort()).toEqual(Object.keys(impl.costs ?? {}).sort())
      for (const t of TYPES) expect(lazy.metrics?.catalog(t)).toEqual(impl.metrics?.catalog(t))
    },
  )

  it('imports the implementation once, on the first call, and forwards every argument', async () => {
    let loads = 0
    const seen: unknown[] = []
    const impl: Provider<'gcp'> = {
      cloud: 'gcp',
      verify: async (creds, ctx) => {
        seen.push([creds, ctx])
        return {
          ok: true,
          accountNativeIds: [],
          checks: [],
          regions: { enabled: [], disabled: [] },
          calls: [],
        }
      },
      metrics: {
        catalog: () => [],
        fetch: async (creds, opts) => {
          seen.push(opts)
          return { points: [], calls: [] }
        },
      },
    }
    const p = lazyProvider('gcp', async () => (loads++, impl), { metrics: { catalog: () => [] } })
    expect(loads).toBe(0)
    const creds = { projectIds: ['p'] } as unknown as Parameters<Provider<'gcp'>['verify']>[0]
    await Promise.all([p.verify(creds, {}), p.verify(creds, {})])
    const opts = { region: 'global', targets: [], window: { from: new Date(0), to: new Date(1) } }
    await p.metrics!.fetch(creds, opts, {})
    expect(loads).toBe(1)
    expect(seen).toEqual([[creds, {}], [creds, {}], opts])
    // Only what was declared: no no-op capability.
    expect(p.costs).toBeUndefined()
    expect(p.inventory).toBeUndefined()
  })
})
