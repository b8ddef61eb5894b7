/**
 * Runs in every test file of the scheduler and e2e projects: after the file (its own afterAll hooks,
 * which stop its workers, run first), the queue prefixes it took from uniquePrefix() are deleted from
 * the shared Redis, so test runs leave no keys behind.
 */
import { afterAll } from 'vitest'
import { dropHandedOutPrefixes } from './harness'

afterAll(() => dropHandedOutPrefixes())
