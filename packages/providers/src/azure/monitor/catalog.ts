/** The built-in Azure Monitor catalogue per resource type (metric names as Azure spells them). */
import type { MetricDefinition } from '../../contract'
import type { AzureResourceType } from '../inventory'

// Platform metrics arrive within ~3 minutes; 5-minute grain, hold back one period.
const P = 300
const D = 300
const m = (metric: string, stat: string, unit: string): MetricDefinition => ({
  metric,
  stat,
  unit,
  periodSeconds: P,
  delaySeconds: D,
})

export const AZURE_METRIC_NAMESPACES: Record<AzureResourceType, string | null> = {
  'azure.vm': 'Microsoft.Compute/virtualMachines',
  'azure.sql_database': 'Microsoft.Sql/servers/databases',
  'azure.vnet': null,
}

export const AZURE_METRIC_CATALOG: Record<AzureResourceType, MetricDefinition[]> = {
  'azure.vm': [
    m('Percentage CPU', 'Average', 'Percent'),
    m('Network In Total', 'Total', 'Bytes'),
    m('Network Out Total', 'Total', 'Bytes'),
    m('Available Memory Bytes', 'Average', 'Bytes'),
  ],
  'azure.sql_database': [
    m('cpu_percent', 'Average', 'Percent'),
    m('storage_percent', 'Maximum', 'Percent'),
    m('connection_successful', 'Total', 'Count'),
  ],
  'azure.vnet': [],
}

export function isAzureResourceType(t: string): t is AzureResourceType {
  return t in AZURE_METRIC_CATALOG
}
