/**
 * The real provider registry for tests, the bench and the demo. Uses @cms/providers' exported registry
 * when there is one; until every cloud lands, assembles it from the per-cloud providers that exist
 * (a cloud without one can only `verify`, and reports itself unsupported).
 */
import type { CloudKind } from '@cms/core'
import type { Provider, ProviderRegistry } from '@cms/providers'

const unsupported = <K extends CloudKind>(cloud: K): Provider<K> => ({
  cloud,
  async verify() {
    return { ok: false, accountNativeIds: [], checks: [], regions: { enabled: [], disabled: [] }, calls: [] }
  },
})

export async function realProviders(): Promise<ProviderRegistry> {
  const index = (await import('@cms/providers')) as unknown as Record<string, unknown>
  for (const name of ['providers', 'registry', 'providerRegistry', 'PROVIDERS']) {
    const r = index[name] as ProviderRegistry | undefined
    if (r && typeof r === 'object' && 'aws' in r && 'azure' in r && 'gcp' in r && 'ncp' in r) return r
  }
  const load = async <K extends CloudKind>(cloud: K): Promise<Provider<K>> => {
    try {
      const m = (await import(`@cms/providers/${cloud}/provider`)) as Record<string, unknown>
      return (m[`${cloud}Provider`] as Provider<K> | undefined) ?? unsupported(cloud)
    } catch {
      return unsupported(cloud)
    }
  }
  return {
    aws: await load('aws'),
    azure: await load('azure'),
    gcp: await load('gcp'),
    ncp: await load('ncp'),
  }
}
