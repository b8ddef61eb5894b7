#!/usr/bin/env node
// Tiny ESM launcher: run the TypeScript entry through tsx in a child Node process, forwarding
// arguments, stdio and signals (so `npx cloudsim start` works from the repo root).
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const entry = fileURLToPath(new URL('../src/cli.ts', import.meta.url))
const child = spawn(process.execPath, ['--import', 'tsx', entry, ...process.argv.slice(2)], {
  stdio: 'inherit',
})
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig))
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
