import { describe, expect, it } from 'vitest'
import type { MetricDefinition } from '../../contract'
import { isoDuration, planGetBatch, type AzTarget } from './planner'

const def = (metric: string, stat = 'Average'): MetricDefinition => ({
  metric,
  stat,
  unit: 'Percent',
  periodSeconds: 300,
  delaySeconds: 300,
})
const now = new Date('2026-01-01T12:07:00Z')
const window = { from: new Date('2026-01-01T11:00:00Z'), to: now }
const vm = (
  sub: string,
  region: string,
  i: number,
  defs = [def('Percentage CPU'), def('Network In Total', 'Total')],
): AzTarget => ({
  resourceId: `/subscriptions/${sub}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm${i}`,
  subscriptionId: sub,
  region,
  namespace: 'Microsoft.Compute/virtualMachines',
  defs,
})

describe('planGetBatch', () => {
  it('puts ≤ 50 resources of one subscription + region + type in a call', () => {
    const targets = [
      ...Array.from({ length: 120 }, (_, i) => vm('s1', 'eastus', i)),
      ...Array.from({ length: 10 }, (_, i) => vm('s1', 'westeurope', i)),
      ...Array.from({ length: 3 }, (_, i) => vm('s2', 'eastus', i)),
    ]
    const plan = planGetBatch(targets, window, now)
    expect(plan.map((b) => `${b.subscriptionId}/${b.region}:${b.resourceIds.length}`)).toEqual([
      's1/eastus:50',
      's1/eastus:50',
      's1/eastus:20',
      's1/westeurope:10',
      's2/eastus:3',
    ])
    expect(plan[0]).toMatchObject({ interval: 'PT5M', aggregation: 'average,total' })
  })

  it('splits more than 20 metric names', () => {
    const defs = Array.from({ length: 25 }, (_, i) => def(`m${i}`))
    expect(planGetBatch([vm('s', 'eastus', 1, defs)], window, now).map((b) => b.defs.length)).toEqual([20, 5])
  })

  it('ids differing only in case are one resource (Azure upper-cases resource groups)', () => {
    const a = vm('s', 'eastus', 1)
    const b = { ...a, resourceId: a.resourceId.toUpperCase() }
    expect(planGetBatch([a, b], window, now)[0]?.resourceIds).toHaveLength(1)
  })

  it('ISO 8601 grains', () => {
    expect([60, 300, 3600, 86400].map(isoDuration)).toEqual(['PT1M', 'PT5M', 'PT1H', 'P1D'])
  })
})
