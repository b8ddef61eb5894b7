import type { EC2 } from '@aws-sdk/client-ec2'
import type { Run } from '../../shared/call'
import { badResponse } from '../../shared/call'

export type RegionsApi = Pick<EC2, 'describeRegions'>

/** Every region with its opt-in status: `not-opted-in` ones are disabled for the account. */
export async function listAwsRegions(
  api: RegionsApi,
  run: Run,
): Promise<{ enabled: string[]; disabled: string[] }> {
  return run({ api: 'ec2', operation: 'DescribeRegions' }, async () => {
    const out = await api.describeRegions({ AllRegions: true })
    if (!out.Regions) throw badResponse('DescribeRegions returned no region list')
    const enabled: string[] = []
    const disabled: string[] = []
    for (const r of out.Regions) {
      if (!r.RegionName) continue
      if (r.OptInStatus === 'not-opted-in') disabled.push(r.RegionName)
      else enabled.push(r.RegionName)
    }
    return { enabled: enabled.sort(), disabled: disabled.sort() }
  })
}
