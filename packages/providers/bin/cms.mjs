#!/usr/bin/env node
// `cms` launcher: run the TypeScript entry in-process through tsx (no build step).
import { register } from 'tsx/esm/api'

register()
await import('../src/cli/main.ts')
