/** `cms` entry: parse, run, and turn any failure into one clear line and a non-zero exit. */
import { AppError } from '@cms/core'
import { parseArgs } from './args'
import { runCli } from './run'

const io = {
  out: (l: string) => process.stdout.write(`${l}\n`),
  err: (l: string) => process.stderr.write(`${l}\n`),
}

try {
  process.exitCode = await runCli(parseArgs(process.argv.slice(2)), io)
} catch (e) {
  if (e instanceof AppError) {
    io.err(e.code === 'bad_request' ? `cms: ${e.message}` : `cms: ${e.code}: ${e.message}`)
    process.exitCode = e.code === 'bad_request' ? 64 : 2
  } else {
    // Never print a stack (it may carry request details); the message alone is enough to act on.
    io.err(`cms: internal error: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`)
    process.exitCode = 70
  }
}
