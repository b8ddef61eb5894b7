import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root (the folder holding prisma.config.ts), found from this file. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    if (existsSync(join(dir, 'prisma.config.ts'))) return dir
    const up = dirname(dir)
    if (up === dir) throw new Error('Cannot find the repository root (prisma.config.ts)')
    dir = up
  }
}
