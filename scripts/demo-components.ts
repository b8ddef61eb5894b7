/**
 * The parts of the product the demo starts, in order. Each later component (cloudsim, worker, web)
 * adds itself here; the demo prints their names and stops them on exit.
 */
export interface Started {
  names: string[]
  stop(): Promise<void>
}

export async function startComponents(_ctx: { say: (line: string) => void }): Promise<Started> {
  return { names: [], stop: async () => {} }
}
