/** Region catalogues (a realistic subset) and zone names. */

export interface AwsRegionInfo {
  name: string
  optIn: boolean
}

export const AWS_REGIONS: AwsRegionInfo[] = [
  ...[
    'us-east-1',
    'us-east-2',
    'us-west-1',
    'us-west-2',
    'ca-central-1',
    'eu-west-1',
    'eu-west-2',
    'eu-west-3',
    'eu-central-1',
    'eu-north-1',
  ].map((name) => ({ name, optIn: false })),
  ...[
    'ap-northeast-1',
    'ap-northeast-2',
    'ap-northeast-3',
    'ap-southeast-1',
    'ap-southeast-2',
    'ap-south-1',
    'sa-east-1',
  ].map((name) => ({ name, optIn: false })),
  ...['ap-east-1', 'me-south-1', 'af-south-1', 'eu-south-1', 'ap-southeast-3'].map((name) => ({
    name,
    optIn: true,
  })),
]

export const AZURE_LOCATIONS = ['koreacentral', 'eastus', 'westeurope', 'japaneast', 'westus2'] as const

export const GCP_REGIONS = [
  'asia-northeast3',
  'us-central1',
  'europe-west1',
  'us-east1',
  'asia-northeast1',
] as const

export function awsZone(region: string, i: number): string {
  return `${region}${'abc'[i % 3] ?? 'a'}`
}

export function gcpZone(region: string, i: number): string {
  return `${region}-${'abc'[i % 3] ?? 'a'}`
}

/** NCP VPC-platform regions with their zones (getRegionList / getZoneList codes). */
export const NCP_REGIONS: { code: string; name: string; zones: string[] }[] = [
  { code: 'KR', name: 'Korea', zones: ['KR-1', 'KR-2'] },
  { code: 'SGN', name: 'Singapore(New)', zones: ['SGN-4', 'SGN-5'] },
  { code: 'JPN', name: 'Japan(New)', zones: ['JPN-4', 'JPN-5'] },
]

export function ncpZone(region: string, i: number): string {
  const zones = NCP_REGIONS.find((r) => r.code === region)?.zones ?? [`${region}-1`]
  return zones[i % zones.length] ?? `${region}-1`
}
