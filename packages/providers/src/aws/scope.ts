import type { Run } from '../shared/call'

/** What a per-region AWS module needs besides its client. */
export interface AwsRegionScope {
  accountId: string
  region: string
  run: Run
}
