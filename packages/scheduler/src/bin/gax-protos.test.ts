import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { build, type Plugin } from 'esbuild'
import type * as Protobuf from 'protobufjs'
import { expect, it } from 'vitest'
import { gaxProtosPlugin, pruneProtos } from './gax-protos'

const require = createRequire(import.meta.url)
const protobuf = require('protobufjs') as typeof Protobuf
const computeDir = dirname(require.resolve('@google-cloud/compute/package.json'))
const computeProtos = readFileSync(join(computeDir, 'build/protos/protos.json'), 'utf8')
const I = 'google.cloud.compute.v1.Instances'

it('keeps what a service reaches and drops the rest of its product', () => {
  const pruned = pruneProtos(computeProtos, [I])
  expect(pruned.length).toBeLessThan(computeProtos.length / 10)
  const root = protobuf.Root.fromJSON(JSON.parse(pruned) as Protobuf.INamespace)
  root.resolveAll()
  const svc = root.lookupService(I)
  const full = protobuf.Root.fromJSON(JSON.parse(computeProtos) as Protobuf.INamespace)
  // Same methods, and each request/response type with the same fields as in the full set.
  expect(Object.keys(svc.methods)).toEqual(Object.keys(full.lookupService(I).methods))
  for (const name of ['AggregatedListInstancesRequest', 'InstanceAggregatedList', 'Instance', 'Operation'])
    expect(Object.keys(root.lookupType(`google.cloud.compute.v1.${name}`).fields)).toEqual(
      Object.keys(full.lookupType(`google.cloud.compute.v1.${name}`).fields),
    )
  // Other services and versions are gone; shared namespaces (field behaviour, http rules) stay.
  expect(() => root.lookupService('google.cloud.compute.v1.Disks')).toThrow()
  expect(root.lookup('google.cloud.compute.v1beta')).toBeNull()
  expect(root.lookup('google.api.http')).not.toBeNull()
})

it('refuses a service the descriptors do not have', () => {
  expect(() => pruneProtos(computeProtos, ['google.cloud.compute.v1.NoSuchService'])).toThrow()
})

it('gives each bundled gax client the descriptors of the services it looks up', async () => {
  const bundle = (plugins: Plugin[]) =>
    build({
      stdin: {
        contents: `module.exports = require('@google-cloud/compute/build/src/v1/regions_client.js')`,
        resolveDir: import.meta.dirname,
        loader: 'js',
      },
      bundle: true,
      platform: 'node',
      write: false,
      metafile: true,
      logLevel: 'silent',
      legalComments: 'none',
      plugins,
    })
  const [pruned, whole] = await Promise.all([bundle([gaxProtosPlugin()]), bundle([])])
  const inputs = Object.keys(pruned.metafile.inputs)
  expect(inputs.some((p) => p.startsWith('gax-protos:') && p.endsWith('regions_client.js'))).toBe(true)
  expect(inputs.some((p) => p.endsWith('compute/build/protos/protos.json'))).toBe(false)
  const text = pruned.outputFiles[0]!.text
  expect(text).toContain('RegionList')
  expect(text).not.toContain('InstanceGroupManagersApplyUpdatesRequest') // a v1 message Regions never names
  expect(text.length).toBeLessThan(whole.outputFiles[0]!.text.length / 2)
})
