/**
 * `cloudsim start [--seed N] [--scenario NAME] [--port P] [--resources N]`: start the simulator and print
 * one JSON line with its URLs once ready; stop on SIGINT/SIGTERM.
 */
import { startCloudSim } from './start'
import { SCENARIOS, type ScenarioName } from './world/scenarios'

const USAGE = `usage: cloudsim start [--seed N] [--scenario ${SCENARIOS.join('|')}] [--port P] [--resources N]`

function fail(msg: string): never {
  process.stderr.write(`${msg}\n${USAGE}\n`)
  process.exit(2)
}

async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv
  if (cmd !== 'start') fail(cmd ? `unknown command ${cmd}` : 'missing command')
  const opts: { seed?: number; scenario?: ScenarioName; port?: number; resources?: number } = {}
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i]
    const value = rest[i + 1]
    if (value === undefined) fail(`${flag} needs a value`)
    i++
    switch (flag) {
      case '--seed':
      case '--port':
      case '--resources': {
        const n = Number(value)
        if (!Number.isInteger(n) || n < 0) fail(`${flag} must be a non-negative integer`)
        opts[flag.slice(2) as 'seed' | 'port' | 'resources'] = n
        break
      }
      case '--scenario':
        if (!(SCENARIOS as readonly string[]).includes(value)) fail(`unknown scenario ${value}`)
        opts.scenario = value as ScenarioName
        break
      default:
        fail(`unknown option ${flag}`)
    }
  }
  const sim = await startCloudSim({ scenario: 'demo', ...opts })
  process.stdout.write(`${JSON.stringify({ ...sim.urls, caCertFile: sim.caCertFile })}\n`)
  const stop = () => {
    void sim.stop().then(() => process.exit(0))
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`cloudsim: ${e instanceof Error ? e.message : String(e)}\n`)
  process.exit(1)
})
