/**
 * A tiny in-test Provider implementing the contract, for pure scheduling-logic unit tests only (the
 * Done-when proofs use the real providers against cloudsim). Values are a pure function of
 * (nativeId, metric, minute) so tests can compute the truth.
 */
import type { AppError } from '@cms/core'
import type {
  MetricDefinition,
  NormalizedResource,
  Provider,
  ProviderRegistry,
  RegionError,
} from '@cms/providers'

export const FAKE_DEFS: MetricDefinition[] = [
  { metric: 'CPUUtilization', stat: 'Average', unit: 'Percent', periodSeconds: 60, delaySeconds: 60 },
  { metric: 'NetworkIn', stat: 'Sum', unit: 'Bytes', periodSeconds: 60, delaySeconds: 60 },
]

export function fakeValue(nativeId: string, metric: string, minute: number): number {
  let h = 2166136261
  for (const c of `${nativeId}|${metric}|${minute}`) h = Math.imul(h ^ c.charCodeAt(0), 16777619)
  return (h >>> 0) % 10_000
}

export interface FakeCloud {
  resources: Map<string, NormalizedResource & { bornMs: number }>
  regionErrors: Map<string, RegionError>
  failWith?: AppError
  fetches: number
}

export function fakeCloud(): FakeCloud {
  return { resources: new Map(), regionErrors: new Map(), fetches: 0 }
}

export function addFakeResource(
  c: FakeCloud,
  nativeId: string,
  opts: Partial<NormalizedResource> & { bornMs?: number } = {},
) {
  c.resources.set(nativeId, {
    cloud: 'aws',
    accountNativeId: '123456789012',
    region: 'us-east-1',
    type: 'ec2.instance',
    nativeId,
    name: nativeId,
    state: 'running',
    nativeState: 'running',
    tags: {},
    createdAt: null,
    attributes: {},
    bornMs: opts.bornMs ?? 0,
    ...opts,
  })
}

export function fakeRegistry(c: FakeCloud): ProviderRegistry {
  const aws: Provider<'aws'> = {
    cloud: 'aws',
    async verify() {
      return { ok: true, accountNativeIds: [], checks: [], regions: { enabled: [], disabled: [] }, calls: [] }
    },
    inventory: {
      async listRegions() {
        return { regions: ['us-east-1'], calls: [] }
      },
      async discover(_creds, { regions }) {
        if (c.failWith) throw c.failWith
        const errors = regions.flatMap((r) => (c.regionErrors.has(r) ? [c.regionErrors.get(r)!] : []))
        const resources = [...c.resources.values()].filter(
          (r) => regions.includes(r.region) && !c.regionErrors.has(r.region),
        )
        return {
          resources,
          errors,
          calls: [
            {
              api: 'ec2',
              operation: 'DescribeInstances',
              calls: regions.length,
              billableUnits: 0,
              costUsd: 0,
            },
          ],
        }
      },
    },
    metrics: {
      catalog: (type) => (type === 'ec2.instance' ? FAKE_DEFS : []),
      async fetch(_creds, { targets, window, metricsByType }) {
        if (c.failWith) throw c.failWith
        c.fetches++
        const points = []
        for (const t of targets) {
          const born = c.resources.get(t.nativeId)?.bornMs ?? 0
          for (const d of metricsByType?.[t.type] ?? FAKE_DEFS) {
            for (
              let ms = Math.ceil(window.from.getTime() / 60_000) * 60_000;
              ms < window.to.getTime();
              ms += 60_000
            ) {
              if (ms < born) continue
              points.push({
                nativeId: t.nativeId,
                metric: d.metric,
                stat: d.stat,
                ts: new Date(ms),
                value: fakeValue(t.nativeId, d.metric, ms / 60_000),
              })
            }
          }
        }
        return {
          points,
          calls: [
            {
              api: 'cloudwatch',
              operation: 'GetMetricData',
              calls: 1,
              billableUnits: points.length,
              costUsd: 0,
            },
          ],
        }
      },
    },
  }
  const none = <K extends 'azure' | 'gcp' | 'ncp'>(cloud: K): Provider<K> => ({
    cloud,
    async verify() {
      return {
        ok: false,
        accountNativeIds: [],
        checks: [],
        regions: { enabled: [], disabled: [] },
        calls: [],
      }
    },
  })
  return { aws, azure: none('azure'), gcp: none('gcp'), ncp: none('ncp') }
}
