import { describe, expect, it } from 'vitest'
import { GCP_METRIC_CATALOG } from './catalog'
import { MAX_IDS_IN_FILTER, planTimeSeriesLists, type GcpTarget } from './planner'

const now = new Date('2026-01-01T12:07:00Z')
const window = { from: new Date('2026-01-01T11:00:00Z'), to: now }
const gce = (project: string, i: number): GcpTarget => ({
  projectId: project,
  nativeId: String(1000 + i),
  resourceType: 'gce_instance',
  idLabel: 'instance_id',
  defs: GCP_METRIC_CATALOG['gcp.instance'],
})

describe('planTimeSeriesLists', () => {
  it('one list per metric type per project, whatever the number of instances', () => {
    const plan = planTimeSeriesLists(
      [
        ...Array.from({ length: 5000 }, (_, i) => gce('p-one', i)),
        ...Array.from({ length: 3 }, (_, i) => gce('p-two', i)),
      ],
      window,
      now,
    )
    expect(plan).toHaveLength(2 * GCP_METRIC_CATALOG['gcp.instance'].length)
  })

  it('names the resources in the filter only while the list is short', () => {
    const [small] = planTimeSeriesLists([gce('p', 1), gce('p', 2)], window, now)
    expect(small?.filter).toBe(
      'metric.type = "compute.googleapis.com/instance/cpu/utilization" AND resource.type = "gce_instance" AND resource.labels.instance_id = one_of("1001","1002")',
    )
    const [big] = planTimeSeriesLists(
      Array.from({ length: MAX_IDS_IN_FILTER + 1 }, (_, i) => gce('p', i)),
      window,
      now,
    )
    expect(big?.filter).not.toContain('one_of')
    expect(big?.ids).toHaveLength(MAX_IDS_IN_FILTER + 1)
  })

  it('maps stats to aligners', () => {
    const plan = planTimeSeriesLists([gce('p', 1)], window, now)
    expect(plan.map((c) => c.aligner)).toEqual(['ALIGN_MEAN', 'ALIGN_SUM', 'ALIGN_SUM'])
  })
})
