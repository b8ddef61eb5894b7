/**
 * The one place AWS SDK clients are built: endpoint override (cloudsim, private endpoints), resolved
 * credentials, and no SDK retries — CallRunner retries with jitter and counts every attempt.
 */
import { CloudWatch } from '@aws-sdk/client-cloudwatch'
import { CostExplorer } from '@aws-sdk/client-cost-explorer'
import { EC2 } from '@aws-sdk/client-ec2'
import { RDS } from '@aws-sdk/client-rds'
import { STS } from '@aws-sdk/client-sts'
import type { AwsCredentialIdentity } from '@aws-sdk/types'

export interface AwsClientOptions {
  endpoint?: string
  credentials: AwsCredentialIdentity
}

/** Cost Explorer is a global service served from us-east-1. */
export const CE_REGION = 'us-east-1'
/** Where account-wide calls (STS, DescribeRegions) go. */
export const HOME_REGION = 'us-east-1'

export class AwsClients {
  private readonly cache = new Map<string, EC2 | RDS | CloudWatch | STS | CostExplorer>()
  constructor(private readonly opts: AwsClientOptions) {}

  private config(region: string) {
    return {
      region,
      credentials: this.opts.credentials,
      maxAttempts: 1,
      ...(this.opts.endpoint ? { endpoint: this.opts.endpoint } : {}),
    }
  }

  private get<T extends EC2 | RDS | CloudWatch | STS | CostExplorer>(
    kind: string,
    region: string,
    make: () => T,
  ): T {
    const key = `${kind}:${region}`
    let c = this.cache.get(key) as T | undefined
    if (!c) {
      c = make()
      this.cache.set(key, c)
    }
    return c
  }

  ec2(region: string): EC2 {
    return this.get('ec2', region, () => new EC2(this.config(region)))
  }
  rds(region: string): RDS {
    return this.get('rds', region, () => new RDS(this.config(region)))
  }
  cloudwatch(region: string): CloudWatch {
    return this.get('cw', region, () => new CloudWatch(this.config(region)))
  }
  sts(region = HOME_REGION): STS {
    return this.get('sts', region, () => new STS(this.config(region)))
  }
  ce(): CostExplorer {
    return this.get('ce', CE_REGION, () => new CostExplorer(this.config(CE_REGION)))
  }

  destroy(): void {
    for (const c of this.cache.values()) c.destroy()
    this.cache.clear()
  }
}
