/** The oldest Node.js major we run on. Node 20 is end-of-life and the current Azure/GCP SDKs need 22. */
export const MIN_NODE_MAJOR = 22

/** Returns a one-line message if `version` (e.g. process.version) is too old, else null. */
export function nodeVersionProblem(version: string): string | null {
  const major = Number(/^v?(\d+)/.exec(version)?.[1] ?? 0)
  if (major >= MIN_NODE_MAJOR) return null
  return (
    `CMS needs Node.js >= ${MIN_NODE_MAJOR} (found ${version}). Run it through npm (npm run …), which uses the ` +
    `Node 24 from node_modules/.bin, or install Node 24 LTS (see .nvmrc).`
  )
}

/** Fail fast, with one clear line, at process start. */
export function assertNodeVersion(version: string = process.version): void {
  const problem = nodeVersionProblem(version)
  if (problem) {
    process.stderr.write(`${problem}\n`)
    process.exit(1)
  }
}
