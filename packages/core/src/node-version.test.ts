import { expect, it } from 'vitest'
import { nodeVersionProblem } from './node-version'

it('accepts Node >= 22 and explains older versions in one line', () => {
  expect(nodeVersionProblem('v24.21.0')).toBeNull()
  expect(nodeVersionProblem('v22.0.0')).toBeNull()
  const msg = nodeVersionProblem('v20.20.2')
  expect(msg).toMatch(/needs Node.js >= 22 \(found v20.20.2\)/)
  expect(msg).not.toContain('\n')
})
