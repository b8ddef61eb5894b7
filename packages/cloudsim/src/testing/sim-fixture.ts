/** Test helpers: start a simulator per test file and find accounts by cloud. */
import { afterAll, beforeAll } from 'vitest'
import type { AccountView } from '../control/control'
import { startCloudSim, type CloudSim, type CloudSimOptions } from '../start'

export function useCloudSim(options: CloudSimOptions = {}): () => CloudSim {
  let sim: CloudSim | undefined
  beforeAll(async () => {
    sim = await startCloudSim({ port: 0, seed: 7, scenario: 'minimal', ...options })
  })
  afterAll(async () => {
    await sim?.stop()
  })
  return () => {
    if (!sim) throw new Error('cloudsim not started')
    return sim
  }
}

export function accountOf<C extends AccountView['cloud']>(
  sim: CloudSim,
  cloud: C,
  index = 0,
): Extract<AccountView, { cloud: C }> {
  const a = sim.control.accounts().filter((x): x is Extract<AccountView, { cloud: C }> => x.cloud === cloud)[
    index
  ]
  if (!a) throw new Error(`no ${cloud} account #${index}`)
  return a
}
