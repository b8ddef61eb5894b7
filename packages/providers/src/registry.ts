/** One typed registry of providers: a missing cloud is a compile error (CONVENTIONS §3). */
import type { CloudKind } from '@cms/core'
import { awsProvider } from './aws/provider'
import { azureProvider } from './azure/provider'
import type { Provider, ProviderRegistry } from './contract'
import { gcpProvider } from './gcp/provider'

export const providers: ProviderRegistry = { aws: awsProvider, azure: azureProvider, gcp: gcpProvider }

export function providerFor<K extends CloudKind>(cloud: K): Provider<K> {
  return providers[cloud] as Provider<K>
}

/** What each cloud can do, for the UI and the scheduler (capabilities, not fat interfaces). */
export function capabilitiesOf(cloud: CloudKind): Array<'verify' | 'inventory' | 'metrics' | 'costs'> {
  const p = providers[cloud]
  return [
    'verify' as const,
    ...(p.inventory ? ['inventory' as const] : []),
    ...(p.metrics ? ['metrics' as const] : []),
    ...(p.costs ? ['costs' as const] : []),
  ]
}
