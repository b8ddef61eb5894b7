/**
 * Secret scanner: looks for known plaintext secrets in every row of a database, every Redis key under
 * a prefix, captured logs and collected API responses. Reusable against a real deployment (the lead
 * runs it after `npm run demo`):
 *
 *   const hits = await scanDeployment({ databaseUrl, redisUrl, redisMatch: '*{cms}*', haystacks: [...logs], secrets })
 *
 * A secret is searched in the spellings it could leak in: as is, JSON-escaped, base64, URL-encoded,
 * and — for long values such as PEM private keys — by fragments (each 48-character slice of the key
 * body), so a key that was re-wrapped or partly logged is still found. Hits never print the secret:
 * the excerpt around a hit has it masked.
 */
import { Redis } from 'ioredis'
import pg from 'pg'

export interface Secret {
  /** What it is (printed in hits), e.g. "azure clientSecret". */
  name: string
  value: string
}

export interface Haystack {
  source: string
  text: string
}

export interface Hit {
  secret: string
  variant: string
  source: string
  /** ±40 characters around the hit with the secret masked. */
  excerpt: string
}

const MIN_NEEDLE = 12

/** The spellings a secret may leak in (distinct, at least MIN_NEEDLE characters). */
export function secretVariants(value: string): { variant: string; needle: string }[] {
  const out = new Map<string, string>()
  const add = (variant: string, needle: string) => {
    if (needle.length >= MIN_NEEDLE && !out.has(needle)) out.set(needle, variant)
  }
  add('raw', value)
  add('json', JSON.stringify(value).slice(1, -1))
  add('base64', Buffer.from(value).toString('base64'))
  add('base64url', Buffer.from(value).toString('base64url'))
  add('url', encodeURIComponent(value))
  if (value.includes('PRIVATE KEY')) {
    // PEM: the base64 body, without line breaks, in 48-character slices (any one is unique enough).
    const body = value.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '')
    for (let i = 0; i + 48 <= body.length; i += 48) add(`pem fragment @${i}`, body.slice(i, i + 48))
  } else if (value.length > 96) {
    for (let i = 0; i + 48 <= value.length; i += 48) add(`fragment @${i}`, value.slice(i, i + 48))
  }
  return [...out.entries()].map(([needle, variant]) => ({ variant, needle }))
}

export function scanText(haystacks: Haystack[], secrets: Secret[]): Hit[] {
  const hits: Hit[] = []
  const needles = secrets.flatMap((s) => secretVariants(s.value).map((v) => ({ ...v, secret: s.name })))
  for (const h of haystacks) {
    for (const n of needles) {
      let at = h.text.indexOf(n.needle)
      let perSource = 0
      while (at >= 0 && perSource++ < 3) {
        const from = Math.max(0, at - 40)
        const excerpt = h.text
          .slice(from, at + n.needle.length + 40)
          .split(n.needle)
          .join('«secret»')
        hits.push({ secret: n.secret, variant: n.variant, source: h.source, excerpt })
        at = h.text.indexOf(n.needle, at + 1)
      }
    }
  }
  return hits
}

/**
 * Every row of every table (all schemas except PostgreSQL's own), as JSON text. Only columns that can
 * hold text are read (numbers and timestamps cannot carry a secret), and partitions are read through
 * their parent once. Connect with a role that sees every tenant (the owner / superuser URL).
 */
export async function collectDatabase(
  databaseUrl: string,
  opts: { maxRowsPerTable?: number } = {},
): Promise<Haystack[]> {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    const tables = await client.query<{ schema: string; table: string; columns: string[] }>(`
      SELECT n.nspname AS schema, c.relname AS table, array_agg(a.attname::text ORDER BY a.attnum) AS columns
      FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      JOIN pg_type t ON t.oid = a.atttypid
      WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
        AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
        AND (t.typcategory IN ('S', 'U', 'A') OR t.typname IN ('json', 'jsonb', 'bytea'))
      GROUP BY n.nspname, c.relname
      ORDER BY 1, 2`)
    const out: Haystack[] = []
    const limit = opts.maxRowsPerTable ? ` LIMIT ${Math.floor(opts.maxRowsPerTable)}` : ''
    for (const t of tables.rows) {
      const cols = t.columns.map((c) => `"${c.replace(/"/g, '""')}"`).join(', ')
      // Bypass row-level security when the role may (superuser/owner); otherwise FORCE RLS would hide rows.
      const rows = await client.query<{ j: string }>(
        `SELECT row_to_json(x)::text AS j FROM (SELECT ${cols} FROM "${t.schema}"."${t.table}"${limit}) x`,
      )
      out.push({
        source: `db:${t.schema}.${t.table} (${rows.rowCount} rows)`,
        text: rows.rows.map((r) => r.j).join('\n'),
      })
    }
    return out
  } finally {
    await client.end()
  }
}

/** Every key matching `match` (e.g. `*{cms}*` or `*{t-1234}*`) with its value, whatever the Redis type. */
export async function collectRedis(redisUrl: string, match: string): Promise<Haystack[]> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 2, lazyConnect: false })
  try {
    const keys: string[] = []
    let cursor = '0'
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 1000)
      cursor = next
      keys.push(...batch)
    } while (cursor !== '0')
    const out: Haystack[] = []
    for (const key of keys) {
      const type = await redis.type(key)
      let value: unknown
      if (type === 'string') value = await redis.get(key)
      else if (type === 'hash') value = await redis.hgetall(key)
      else if (type === 'list') value = await redis.lrange(key, 0, -1)
      else if (type === 'set') value = await redis.smembers(key)
      else if (type === 'zset') value = await redis.zrange(key, 0, -1, 'WITHSCORES')
      else if (type === 'stream') value = await redis.xrange(key, '-', '+')
      else value = `<${type}>`
      out.push({
        source: `redis:${key}`,
        text: `${key}\n${typeof value === 'string' ? value : JSON.stringify(value)}`,
      })
    }
    return out
  } finally {
    redis.disconnect()
  }
}

export interface ScanInput {
  secrets: Secret[]
  databaseUrl?: string
  redisUrl?: string
  redisMatch?: string
  /** Logs, API responses, files — anything else already in memory. */
  haystacks?: Haystack[]
}

export interface ScanReport {
  hits: Hit[]
  scanned: { source: string; bytes: number }[]
}

export async function scanDeployment(input: ScanInput): Promise<ScanReport> {
  const haystacks = [...(input.haystacks ?? [])]
  if (input.databaseUrl) haystacks.push(...(await collectDatabase(input.databaseUrl)))
  if (input.redisUrl && input.redisMatch)
    haystacks.push(...(await collectRedis(input.redisUrl, input.redisMatch)))
  return {
    hits: scanText(haystacks, input.secrets),
    scanned: haystacks.map((h) => ({ source: h.source, bytes: h.text.length })),
  }
}
