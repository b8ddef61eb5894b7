/**
 * Build-time pruning of the protobuf descriptors that Google's gax clients load (worker bundle only).
 *
 * Every generated client (`@google-cloud/<pkg>/build/src/<version>/<name>_client.js`) requires its
 * package's whole `protos/protos.json` and builds a protobufjs Root from it. For Compute that file
 * describes every service of v1, v1beta and v1small: a 41 MB Root on the heap (measured), of which the
 * worker uses three services. Here each client gets, instead, the descriptors its own service reaches:
 * the service, its request and response messages and, transitively, every message and enum their
 * fields name (a nested type keeps its whole top-level message). Everything outside the service's
 * product namespace (google.protobuf, google.api, google.rpc, …) and every extension field stays as
 * it is. The client code is untouched; it looks up the same names in a smaller Root.
 *
 * Resolution is protobufjs's own (the library gax uses), so a name resolves here exactly as it would
 * at run time, and a pruned set that does not resolve fails the build rather than a poll. Not followed:
 * names inside options (Compute's extended-operation annotations name the ZoneOperations service as a
 * string) — the worker only lists; a worker that starts long-running Compute operations would need
 * those services added here. The bundle test polls all three clouds through the pruned clients.
 */
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { createRequire } from 'node:module'
import type { Plugin } from 'esbuild'
import type * as Protobuf from 'protobufjs'

const require = createRequire(import.meta.url)

type JsonNode = {
  nested?: Record<string, JsonNode>
  fields?: unknown
  values?: unknown
  methods?: unknown
  extend?: string
}

/** `google.cloud.compute.v1.Instances` → `google.cloud.compute` (the product, all its versions). */
function productOf(service: string): string {
  const parts = service.split('.').slice(0, -1)
  const version = parts.findLastIndex((p) => /^v\d/.test(p))
  return (version > 0 ? parts.slice(0, version) : parts).join('.')
}

const protobuf = require('protobufjs') as typeof Protobuf

/** A gax `protos.json` as a resolved protobufjs Root (about 1 s for Compute's). */
export function resolvedRoot(protosJson: string): Protobuf.Root {
  const root = protobuf.Root.fromJSON(JSON.parse(protosJson) as Protobuf.INamespace)
  root.resolveAll()
  return root
}

/**
 * The descriptors `services` need, from a gax `protos.json` (`root`: the same file already resolved,
 * when several clients share it). Throws when a service is missing or the pruned set does not resolve.
 */
export function pruneProtos(
  protosJson: string,
  services: string[],
  root: Protobuf.Root = resolvedRoot(protosJson),
): string {
  const keep = new Set<string>()
  const topLevel = (t: Protobuf.ReflectionObject) => {
    let x = t
    while (x.parent instanceof protobuf.Type) x = x.parent
    return x
  }
  const walk = (t: Protobuf.ReflectionObject): void => {
    if (t instanceof protobuf.Service)
      for (const m of t.methodsArray) {
        if (m.resolvedRequestType) visit(m.resolvedRequestType)
        if (m.resolvedResponseType) visit(m.resolvedResponseType)
      }
    if (t instanceof protobuf.Type) {
      for (const f of t.fieldsArray) if (f.resolvedType) visit(f.resolvedType)
      for (const n of t.nestedArray) walk(n)
    }
  }
  const visit = (t: Protobuf.ReflectionObject) => {
    const top = topLevel(t)
    if (keep.has(top.fullName)) return
    keep.add(top.fullName)
    walk(top)
  }
  for (const s of services) visit(root.lookupService(s))

  const json = JSON.parse(protosJson) as JsonNode
  const prune = (node: JsonNode, path: string): boolean => {
    let kept = false
    for (const [name, child] of Object.entries(node.nested ?? {})) {
      const full = `${path}.${name}`
      const isNamespace = !child.fields && !child.values && !child.methods && !child.extend
      if (child.extend || (isNamespace ? prune(child, full) : keep.has(full))) kept = true
      else delete node.nested![name]
    }
    return kept
  }
  for (const product of new Set(services.map(productOf))) {
    let node: JsonNode | undefined = json
    for (const p of product.split('.')) node = node?.nested?.[p]
    if (!node) throw new Error(`protos.json has no namespace ${product}`)
    prune(node, `.${product}`)
  }
  const out = JSON.stringify(json)
  const check = resolvedRoot(out)
  for (const s of services) check.lookupService(s)
  return out
}

const CLIENT =
  /[\\/]node_modules[\\/]@google-cloud[\\/][^\\/]+[\\/]build[\\/]src[\\/][^\\/]+[\\/][a-z0-9_]+_client\.js$/

/**
 * esbuild plugin: a gax client's `require("../../protos/protos.json")` resolves to the descriptors of
 * the services that client looks up (`lookupService('…')` in its own source).
 */
export function gaxProtosPlugin(): Plugin {
  return {
    name: 'gax-protos',
    setup(build) {
      // One read and resolve per protos.json: Compute's three clients share one file.
      const files = new Map<string, { text: string; root: Protobuf.Root }>()
      build.onResolve({ filter: /^\.\.\/\.\.\/protos\/protos\.json$/ }, (args) => {
        if (!CLIENT.test(args.importer)) return undefined
        return { path: args.importer, namespace: 'gax-protos' }
      })
      build.onLoad({ filter: /.*/, namespace: 'gax-protos' }, (args) => {
        const client = readFileSync(args.path, 'utf8')
        const services = [...client.matchAll(/lookupService\(['"]([\w.]+)['"]\)/g)].map((m) => m[1]!)
        if (services.length === 0) throw new Error(`${args.path}: no lookupService() to prune protos for`)
        const path = join(dirname(args.path), '../../protos/protos.json')
        let file = files.get(path)
        if (!file) {
          const text = readFileSync(path, 'utf8')
          files.set(path, (file = { text, root: resolvedRoot(text) }))
        }
        return { contents: pruneProtos(file.text, [...new Set(services)], file.root), loader: 'json' }
      })
    },
  }
}
