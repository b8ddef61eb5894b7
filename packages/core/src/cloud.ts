/** The clouds we monitor. Every lookup keyed by cloud is a Record<CloudKind, …> so a missing one is a compile error. */
export const CLOUD_KINDS = ['aws', 'azure', 'gcp', 'ncp'] as const
export type CloudKind = (typeof CLOUD_KINDS)[number]

export const ACCOUNT_STATUSES = ['pending', 'ok', 'error', 'paused'] as const
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number]

export const RESOURCE_STATES = [
  'running',
  'stopped',
  'pending',
  'available',
  'terminated',
  'unknown',
] as const
export type ResourceState = (typeof RESOURCE_STATES)[number]
