// Fail fast, in one line, when the Node.js running us is older than 22 (plain JS: runs on any Node).
const major = Number(process.versions.node.split('.')[0])
if (major < 22) {
  console.error(
    `CMS needs Node.js >= 22 (found ${process.version}). Run "npm ci" first: it installs Node 24 into ` +
      `node_modules/.bin, which every "npm run" script then uses; or install Node 24 LTS (see .nvmrc).`,
  )
  process.exit(1)
}
