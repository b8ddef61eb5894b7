/**
 * What `cms` does, as a function over injected I/O (so tests run it in-process against cloudsim):
 * one JSON object per line on `out`, diagnostics (region errors, call counts) as JSON lines on `err`.
 */
import { readFile } from 'node:fs/promises'
import { AppError, parseCredentials, type CloudKind, type CredentialsByCloud } from '@cms/core'
import type { MetricTarget, Provider, ProviderContext } from '../contract'
import { providers } from '../registry'
import { TokenBucketBudget } from '../shared/budget'
import { mergeCalls } from '../shared/calls'
import { isoDay, addDays } from '../shared/windows'
import type { CliArgs } from './args'

export interface CliIO {
  out(line: string): void
  err(line: string): void
}

const line = (o: unknown) => JSON.stringify(o)

async function loadCredentials<K extends CloudKind>(cloud: K, file: string): Promise<CredentialsByCloud[K]> {
  let raw: unknown
  try {
    raw = JSON.parse(await readFile(file, 'utf8'))
  } catch (e) {
    throw new AppError(
      'bad_request',
      `cannot read credentials file ${file}: ${e instanceof SyntaxError ? 'not valid JSON' : ((e as NodeJS.ErrnoException).code ?? 'unreadable')}`,
    )
  }
  try {
    return parseCredentials(cloud, raw)
  } catch (e) {
    // A zod error (core's schemas): report field paths and rules, never the values (they are secrets).
    const issues = (e as { issues?: Array<{ path: PropertyKey[]; message: string }> }).issues
    if (Array.isArray(issues))
      throw new AppError(
        'bad_request',
        `credentials file ${file} is not valid ${cloud} credentials: ${issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ')}`,
      )
    throw e
  }
}

/** Returns the process exit code. */
export async function runCli(args: CliArgs, io: CliIO): Promise<number> {
  const creds = await loadCredentials(args.cloud, args.credentials)
  const ca = args.ca ? await readFile(args.ca, 'utf8') : undefined
  const ctx: ProviderContext = {
    endpoints: { ...(args.endpoint ? { [args.cloud]: args.endpoint } : {}), ...(ca ? { caPem: ca } : {}) },
    budget: new TokenBucketBudget(),
  }
  switch (args.cloud) {
    case 'aws':
      return run(providers.aws, creds as CredentialsByCloud['aws'], args, ctx, io)
    case 'azure':
      return run(providers.azure, creds as CredentialsByCloud['azure'], args, ctx, io)
    case 'gcp':
      return run(providers.gcp, creds as CredentialsByCloud['gcp'], args, ctx, io)
    case 'ncp':
      return run(providers.ncp, creds as CredentialsByCloud['ncp'], args, ctx, io)
  }
}

async function run<K extends CloudKind>(
  p: Provider<K>,
  creds: CredentialsByCloud[K],
  args: CliArgs,
  ctx: ProviderContext,
  io: CliIO,
): Promise<number> {
  if (args.command === 'verify') {
    const r = await p.verify(creds, ctx)
    for (const c of r.checks) io.out(line(c))
    io.err(
      line({
        ok: r.ok,
        identity: r.identity,
        accountNativeIds: r.accountNativeIds,
        regions: r.regions,
        calls: r.calls,
      }),
    )
    const failed = r.checks.find((c) => !c.ok)
    if (failed) io.err(`cms: verify failed: ${failed.code}: ${failed.message}`)
    return r.ok ? 0 : 1
  }
  if (args.command === 'costs') {
    if (!p.costs) throw new AppError('bad_request', `${p.cloud} has no cost capability`)
    const today = isoDay(new Date())
    const from = args.from ? isoDay(new Date(args.from)) : addDays(today, -7)
    const to = args.to ? isoDay(new Date(args.to)) : today
    const r = await p.costs.fetchDaily(
      creds,
      { from, to, ...(args.billingTable ? { billingTable: args.billingTable } : {}) },
      ctx,
    )
    for (const row of r.rows) io.out(line(row))
    io.err(line({ forecast: r.forecast ?? null, calls: r.calls }))
    return 0
  }
  if (!p.inventory) throw new AppError('bad_request', `${p.cloud} has no inventory capability`)
  const listed = args.regions ? null : await p.inventory.listRegions(creds, ctx)
  const regions = args.regions ?? listed?.regions ?? []
  const inv = await p.inventory.discover(creds, { regions }, ctx)
  for (const e of inv.errors) io.err(line({ regionError: e }))
  if (args.command === 'discover') {
    for (const r of inv.resources) io.out(line(r))
    io.err(line({ resources: inv.resources.length, calls: mergeCalls(listed?.calls ?? [], inv.calls) }))
    return inv.errors.length ? 1 : 0
  }
  if (!p.metrics) throw new AppError('bad_request', `${p.cloud} has no metrics capability`)
  const to = args.to ? new Date(args.to) : new Date()
  const from = args.from ? new Date(args.from) : new Date(to.getTime() - 3600_000)
  // AWS metrics are regional (one client per region); Azure, GCP and NCP (Cloud Insight is one global
  // endpoint) batch across regions themselves.
  const byRegion = new Map<string, MetricTarget[]>()
  for (const r of inv.resources) {
    if (!p.metrics.catalog(r.type).length) continue
    const key = p.cloud === 'aws' ? r.region : '*'
    const list = byRegion.get(key) ?? []
    list.push({ type: r.type, nativeId: r.nativeId, region: r.region, accountNativeId: r.accountNativeId })
    byRegion.set(key, list)
  }
  const calls = [listed?.calls ?? [], inv.calls]
  for (const [region, targets] of byRegion) {
    const m = await p.metrics.fetch(creds, { region, targets, window: { from, to } }, ctx)
    for (const pt of m.points) io.out(line(pt))
    calls.push(m.calls)
  }
  io.err(line({ calls: mergeCalls(...calls) }))
  return 0
}
