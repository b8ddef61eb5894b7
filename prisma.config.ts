import 'dotenv/config'
import { defineConfig } from 'prisma/config'
import { migrationAdapter } from './prisma/migrate-adapter'

// Prisma 6 resolves env("DATABASE_URL") from schema.prisma even for `prisma generate`; if it is
// missing, the CLI cannot read `engineType = "client"` and falls back to downloading the native
// query engine (fails offline). Generation never connects, so a placeholder is enough there.
const PLACEHOLDER = 'postgresql://unset.invalid:5432/unset'
process.env.DATABASE_URL ||= PLACEHOLDER

// Migrate runs on the WASM schema engine bundled in the `prisma` package, through a driver
// adapter, so the native schema-engine binary is never needed (or downloaded). See prisma/README.md.
export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  adapter: async () => {
    if (process.env.DATABASE_URL === PLACEHOLDER) throw new Error('DATABASE_URL is not set')
    return migrationAdapter(process.env.DATABASE_URL!)
  },
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
})
