import type { Run } from '../shared/call'

export interface AzureSubscriptionScope {
  subscriptionId: string
  run: Run
}
