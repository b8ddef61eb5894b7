/** `GET /vserver/v2/getRegionList`: the regions (KR, SGN, JPN, …) the account can use on the VPC platform. */
import { badResponse } from '../../shared/call'
import type { Run } from '../../shared/call'
import type { NcpClient } from '../http'
import { envelope } from '../scope'

export interface NcpRegion {
  regionCode: string
  regionName: string | null
}

export async function listNcpRegions(client: NcpClient, run: Run): Promise<NcpRegion[]> {
  return run({ api: 'ncp.vserver', operation: 'getRegionList' }, async () => {
    const r = envelope(await client.get('ncloud', '/vserver/v2/getRegionList'), 'getRegionList')
    if (!Array.isArray(r.regionList)) throw badResponse('getRegionList returned no regionList')
    return r.regionList.map((x: unknown) => {
      const code = (x as { regionCode?: unknown }).regionCode
      if (typeof code !== 'string' || !code)
        throw badResponse('getRegionList returned a region without a code')
      const name = (x as { regionName?: unknown }).regionName
      return { regionCode: code, regionName: typeof name === 'string' ? name : null }
    })
  })
}
