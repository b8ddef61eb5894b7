/**
 * What `npm run demo` starts after PostgreSQL and Redis, in order:
 *   1. cloudsim (the `demo` world: accounts in AWS, Azure, GCP and Naver Cloud; instances and NCP servers
 *      come and go on their own);
 *   2. a seeded organization with a known login and API key, connected to every simulated account;
 *   3. a scheduler worker (discovers, polls metrics and costs, stores);
 *   4. the web app (production build; built on first run);
 * then writes .demo/credentials.json.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { LocalKeyring, Vault, createLogger, type CloudKind } from '@cms/core'
import { pino } from 'pino'
import {
  createCloudAccount,
  createPrisma,
  forTenant,
  replaceCloudAccountCredentials,
  repoRoot,
} from '@cms/db'
import { startCloudSim, type AccountView } from '@cms/cloudsim'
import { providers } from '@cms/providers'
import { startWorker } from '@cms/scheduler'
import { seedDemoOrganization, createApiKeyFor } from '@cms/web/src/server/demo-seed'
import { portOpen } from './services'

export interface Started {
  names: string[]
  stop(): Promise<void>
}

const env = process.env

function credentialsFor(a: AccountView): unknown {
  switch (a.cloud) {
    case 'aws':
      // The role flow, as a tenant would connect: role + ExternalId only; our poller keys are server config.
      return {
        method: 'assumeRole',
        roleArn: a.credentials.assumeRole.roleArn,
        externalId: a.credentials.assumeRole.externalId,
      }
    case 'azure':
      return a.credentials
    case 'gcp':
      return a.credentials
    case 'ncp':
      // A Naver Cloud sub-account's access key + secret key (and its site), as a tenant enters them.
      return a.credentials
  }
}

/** Newest mtime of the web app's inputs, to rebuild the production bundle only when something changed. */
function newestSource(dirs: string[]): number {
  let newest = 0
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name === 'node_modules' || e.name === '.next' || e.name.startsWith('.')) continue
      const p = join(d, e.name)
      if (e.isDirectory()) walk(p)
      else newest = Math.max(newest, statSync(p).mtimeMs)
    }
  }
  dirs.filter(existsSync).forEach(walk)
  return newest
}

async function freePort(preferred: number): Promise<number> {
  for (let p = preferred; p < preferred + 20; p++) if (!(await portOpen(p))) return p
  throw new Error(`no free port near ${preferred}`)
}

export async function startComponents({ say }: { say: (line: string) => void }): Promise<Started> {
  const root = repoRoot()
  const dataDir = join(root, '.data')
  const stops: Array<() => Promise<void>> = []
  const databaseUrl = env.DATABASE_URL!

  // 1. cloudsim
  const simPort = await freePort(Number(env.CMS_DEMO_CLOUDSIM_PORT ?? 45660))
  const sim = await startCloudSim({ scenario: 'demo', seed: 7, port: simPort })
  stops.push(() => sim.stop())
  const poller = sim.control.poller()
  Object.assign(env, {
    CMS_AWS_ENDPOINT: sim.urls.aws,
    CMS_AZURE_ENDPOINT: sim.urls.azure,
    CMS_GCP_ENDPOINT: sim.urls.gcp,
    CMS_NCP_ENDPOINT: sim.urls.ncp,
    CMS_CLOUD_CA_FILE: sim.caCertFile,
    CMS_AWS_ACCESS_KEY_ID: poller.accessKeyId,
    CMS_AWS_SECRET_ACCESS_KEY: poller.secretAccessKey,
    CMS_AWS_PRINCIPAL_ARN: `arn:aws:iam::${poller.accountId}:role/cms-poller`,
  })
  const simLine = {
    aws: sim.urls.aws,
    azure: sim.urls.azure,
    gcp: sim.urls.gcp,
    ncp: sim.urls.ncp,
    control: sim.urls.control,
    caCertFile: sim.caCertFile,
  }
  say(`cloudsim: ${JSON.stringify(simLine)}`)

  // 2. organization, login, API key, cloud accounts
  const secretFile = join(dataDir, 'auth.secret')
  if (!existsSync(secretFile))
    writeFileSync(secretFile, randomBytes(32).toString('base64url'), { mode: 0o600 })
  env.AUTH_SECRET ??= readFileSync(secretFile, 'utf8').trim()
  const webPort = await freePort(Number(env.PORT ?? 3000))
  env.PUBLIC_URL = `http://localhost:${webPort}`

  const db = createPrisma({ url: databaseUrl, role: 'cms_worker', max: 4 })
  stops.push(() => db.$disconnect())
  const vault = new Vault(LocalKeyring.fromString(env.CMS_MASTER_KEYS!))
  const email = 'demo@cms.local'
  const password = 'demo-password-1'
  const existing = await db.member.findFirst({
    where: { user: { email }, role: 'owner', organization: { name: 'Demo Org' } },
    select: { organizationId: true },
  })
  let tenantId: string
  let apiKey: string
  if (existing) {
    tenantId = existing.organizationId
    // The old key's plaintext is gone (stored hashed): revoke it and issue a fresh one.
    await db.apiKey.updateMany({
      where: { tenantId, name: 'demo', revokedAt: null },
      data: { revokedAt: new Date() },
    })
    apiKey = await createApiKeyFor(db, tenantId, 'write', 'demo')
  } else {
    const seeded = await seedDemoOrganization(db, {
      email,
      password,
      organizationName: 'Demo Org',
      estate: false,
    })
    tenantId = seeded.organizationId
    apiKey = seeded.apiKey
  }
  await db.organization.update({ where: { id: tenantId }, data: { planId: 'enterprise' } })
  const tdb = forTenant(db, tenantId)
  for (const a of sim.control.accounts()) {
    const name = `${a.cloud.toUpperCase()} · ${a.name}`
    const found = await tdb.cloudAccount.findFirst({ where: { name }, select: { id: true } })
    if (found) await replaceCloudAccountCredentials(tdb, vault, tenantId, found.id, credentialsFor(a))
    else
      await createCloudAccount(tdb, vault, tenantId, {
        cloud: a.cloud as CloudKind,
        name,
        credentials: credentialsFor(a),
        regions: a.regions,
      })
  }
  say(`organization "Demo Org" connected to ${sim.control.accounts().length} simulated cloud accounts`)

  // 3. worker (in this process); its structured logs go to .data/logs/worker.log
  mkdirSync(join(dataDir, 'logs'), { recursive: true })
  const workerLog = createLogger({
    name: 'worker',
    level: env.LOG_LEVEL ?? 'info',
    destination: pino.destination({ dest: join(dataDir, 'logs/worker.log'), sync: false }),
  })
  const worker = await startWorker({
    logger: workerLog,
    databaseUrl,
    redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    queuePrefix: env.CMS_QUEUE_PREFIX ?? 'cms-demo',
    vault,
    providers,
    endpoints: {
      aws: sim.urls.aws,
      azure: sim.urls.azure,
      gcp: sim.urls.gcp,
      ncp: sim.urls.ncp,
      caPem: sim.caCertPem,
    },
    awsPoller: { accessKeyId: poller.accessKeyId, secretAccessKey: poller.secretAccessKey },
    httpPort: 0,
  })
  stops.unshift(() => worker.stop())
  say(
    `worker: discovering and polling (health and Prometheus metrics on :${worker.httpPort}; logs in .data/logs/worker.log)`,
  )

  // 4. web
  const webDir = join(root, 'apps/web')
  const buildId = join(webDir, '.next/BUILD_ID')
  const stale =
    !existsSync(buildId) ||
    statSync(buildId).mtimeMs < newestSource([join(webDir, 'src'), join(root, 'packages')])
  if (stale) {
    say('web: building the production bundle (first run or sources changed, about a minute)…')
    const b = spawnSync(process.execPath, [join(root, 'node_modules/next/dist/bin/next'), 'build'], {
      cwd: webDir,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...env, NODE_ENV: 'production' },
    })
    if (b.status !== 0) throw new Error('next build failed')
  }
  const web: ChildProcess = spawn(
    process.execPath,
    [join(root, 'node_modules/next/dist/bin/next'), 'start', '-p', String(webPort)],
    {
      cwd: webDir,
      stdio: ['ignore', openSync(join(dataDir, 'logs/web.log'), 'a'), 'inherit'],
      env: { ...env, NODE_ENV: 'production', CMS_QUEUE_PREFIX: env.CMS_QUEUE_PREFIX ?? 'cms-demo' },
    },
  )
  stops.unshift(async () => {
    web.kill('SIGTERM')
  })
  for (let i = 0; i < 120 && !(await portOpen(webPort)); i++) await new Promise((r) => setTimeout(r, 250))
  say(`web: ${env.PUBLIC_URL}`)

  // 5. credentials for the user and for scripts
  mkdirSync(join(root, '.demo'), { recursive: true })
  const creds = { webUrl: env.PUBLIC_URL, email, password, apiKey, cloudsim: simLine }
  writeFileSync(join(root, '.demo/credentials.json'), `${JSON.stringify(creds, null, 2)}\n`, { mode: 0o600 })
  say(`log in at ${env.PUBLIC_URL} as ${email} / ${password}`)
  say(`API: curl -H "authorization: Bearer ${apiKey}" ${env.PUBLIC_URL}/api/v1/resources`)
  say('written to .demo/credentials.json')

  return {
    names: ['cloudsim', 'worker', 'web'],
    async stop() {
      for (const s of stops) await s().catch(() => {})
    },
  }
}
