import type { ComputeManagementClient, VirtualMachine } from '@azure/arm-compute'
import type { ResourceState } from '@cms/core'
import type { NormalizedResource } from '../../contract'
import { badResponse } from '../../shared/call'
import { mapState, tagsFromRecord, toDate } from '../../shared/normalize'
import { azurePages, normalizeLocation, parseArmId } from '../paging'
import type { AzureSubscriptionScope } from '../scope'

export type VirtualMachinesApi = {
  virtualMachines: Pick<ComputeManagementClient['virtualMachines'], 'listAll'>
}

const POWER: Record<string, ResourceState> = {
  running: 'running',
  starting: 'pending',
  stopping: 'stopped',
  stopped: 'stopped',
  deallocating: 'stopped',
  deallocated: 'stopped',
}

/** One paged listAll per subscription (every region); statusOnly adds the power state without a call per VM. */
export async function listVirtualMachines(
  api: VirtualMachinesApi,
  s: AzureSubscriptionScope,
): Promise<NormalizedResource[]> {
  return azurePages(
    s.run,
    { api: 'azure.arm', operation: 'virtualMachines.listAll' },
    () => api.virtualMachines.listAll({ statusOnly: 'true' }),
    (vm) => normalizeVm(vm, s.subscriptionId),
  )
}

export function normalizeVm(vm: VirtualMachine, subscriptionId: string): NormalizedResource {
  if (!vm.id || !vm.name) throw badResponse('a virtual machine has no id')
  const power =
    vm.instanceView?.statuses
      ?.find((st) => st.code?.startsWith('PowerState/'))
      ?.code?.slice('PowerState/'.length) ?? null
  return {
    cloud: 'azure',
    accountNativeId: subscriptionId,
    region: normalizeLocation(vm.location),
    type: 'azure.vm',
    nativeId: vm.id,
    name: vm.name,
    // provisioningState "Succeeded" says nothing about whether the VM runs; only the power state does.
    state: power ? mapState(power, POWER) : 'unknown',
    nativeState: power ?? vm.provisioningState ?? null,
    tags: tagsFromRecord(vm.tags),
    createdAt: toDate(vm.timeCreated),
    attributes: {
      vmId: vm.vmId ?? null,
      resourceGroup: parseArmId(vm.id)?.resourceGroup ?? null,
      vmSize: vm.hardwareProfile?.vmSize ?? null,
      osType: vm.storageProfile?.osDisk?.osType ?? null,
      zones: vm.zones ?? [],
      priority: vm.priority ?? 'Regular',
      provisioningState: vm.provisioningState ?? null,
    },
  }
}
