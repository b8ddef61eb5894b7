/**
 * NCP server specs (VPC platform, 3rd generation KVM): the spec code, the product code the API shows
 * and the size behind them. Prices for these codes live with the others in costs.ts (in KRW).
 */
export interface NcpServerSpec {
  serverSpecCode: string
  serverProductCode: string
  cpuCount: number
  /** Bytes, as getServerInstanceList reports memorySize. */
  memorySize: number
}

const GIB = 1024 ** 3

export const NCP_SERVER_SPECS: NcpServerSpec[] = [
  {
    serverSpecCode: 's2-g3',
    serverProductCode: 'SVR.VSVR.STAND.C002.M008.NET.SSD.B050.G003',
    cpuCount: 2,
    memorySize: 8 * GIB,
  },
  {
    serverSpecCode: 's4-g3',
    serverProductCode: 'SVR.VSVR.STAND.C004.M016.NET.SSD.B050.G003',
    cpuCount: 4,
    memorySize: 16 * GIB,
  },
  {
    serverSpecCode: 'c4-g3',
    serverProductCode: 'SVR.VSVR.CPU.C004.M008.NET.SSD.B050.G003',
    cpuCount: 4,
    memorySize: 8 * GIB,
  },
  {
    serverSpecCode: 'm4-g3',
    serverProductCode: 'SVR.VSVR.HIMEM.C004.M032.NET.SSD.B050.G003',
    cpuCount: 4,
    memorySize: 32 * GIB,
  },
]

export const NCP_MYSQL_PRODUCTS = [
  { code: 'SVR.VDBAS.STAND.C002.M008.NET.SSD.B050.G003', cpuCount: 2, memorySize: 8 * GIB },
  { code: 'SVR.VDBAS.STAND.C004.M016.NET.SSD.B050.G003', cpuCount: 4, memorySize: 16 * GIB },
]

export const NCP_IMAGE_PRODUCT_CODE = 'SW.VSVR.OS.LNX64.ROCKY.0810.B050'

export function ncpSpec(code: unknown): NcpServerSpec | undefined {
  return NCP_SERVER_SPECS.find((s) => s.serverSpecCode === code)
}
