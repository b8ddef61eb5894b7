/** Argument parsing for `cms` (no dependency: the grammar is small). */
import { AppError, CLOUD_KINDS, type CloudKind } from '@cms/core'

export const COMMANDS = ['verify', 'discover', 'metrics', 'costs'] as const
export type Command = (typeof COMMANDS)[number]

export interface CliArgs {
  command: Command
  cloud: CloudKind
  credentials: string
  endpoint?: string
  ca?: string
  regions?: string[]
  from?: string
  to?: string
  billingTable?: string
}

export const USAGE = `usage: cms verify|discover|metrics|costs --cloud aws|azure|gcp|ncp --credentials FILE
           [--endpoint URL] [--ca FILE] [--regions r1,r2] [--from ISO --to ISO] [--billing-table p.d.t]`

export function parseArgs(argv: readonly string[]): CliArgs {
  const [command, ...rest] = argv
  if (!command || !(COMMANDS as readonly string[]).includes(command))
    throw usage(command ? `unknown command ${command}` : 'missing command')
  const flags = new Map<string, string>()
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i] as string
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a)
    if (!m) throw usage(`unexpected argument ${a}`)
    const value = m[2] ?? rest[++i]
    if (value === undefined) throw usage(`--${m[1]} needs a value`)
    flags.set(m[1] as string, value)
  }
  const known = new Set(['cloud', 'credentials', 'endpoint', 'ca', 'regions', 'from', 'to', 'billing-table'])
  for (const k of flags.keys()) if (!known.has(k)) throw usage(`unknown option --${k}`)
  const cloud = flags.get('cloud')
  if (!cloud || !(CLOUD_KINDS as readonly string[]).includes(cloud))
    throw usage(`--cloud must be one of ${CLOUD_KINDS.join(', ')}`)
  const credentials = flags.get('credentials')
  if (!credentials) throw usage('--credentials FILE is required')
  const out: CliArgs = { command: command as Command, cloud: cloud as CloudKind, credentials }
  const set = <K extends keyof CliArgs>(k: K, v: CliArgs[K] | undefined) => {
    if (v !== undefined) out[k] = v
  }
  set('endpoint', flags.get('endpoint'))
  set('ca', flags.get('ca'))
  set(
    'regions',
    flags
      .get('regions')
      ?.split(',')
      .map((r) => r.trim())
      .filter(Boolean),
  )
  set('from', flags.get('from'))
  set('to', flags.get('to'))
  set('billingTable', flags.get('billing-table'))
  for (const k of ['from', 'to'] as const)
    if (out[k] && Number.isNaN(Date.parse(out[k] as string)))
      throw usage(`--${k} must be an ISO date or timestamp`)
  return out
}

function usage(msg: string): AppError {
  return new AppError('bad_request', `${msg}\n${USAGE}`)
}
