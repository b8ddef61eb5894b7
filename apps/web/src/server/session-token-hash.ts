/**
 * Session tokens are stored as SHA-256 digests, never in plain text: a dump of the `session` table (a
 * backup, a read replica, a SQL injection elsewhere) is not enough to sign in as anyone, even together
 * with AUTH_SECRET (which only signs the cookie around the token).
 *
 * Why a wrapper around better-auth's database adapter, and not its hooks or its secondary storage:
 *  - `databaseHooks.session.create.before` can change the row, but better-auth then sets the cookie from
 *    the row it wrote, so a hashed token there would be the cookie too;
 *  - a `secondaryStorage` keyed by a hash would still hold the token in the value it stores (the session
 *    JSON and the user's active-session list carry `token`), and would move sessions out of PostgreSQL.
 * The adapter is the one place every session read and write passes through, with the token as a plain
 * `where` value, so hashing there covers sign-in, lookups, refresh, organization switching, sign-out
 * and revocation alike. The digest is of a 32-character random token (≈190 bits), so an unsalted
 * SHA-256 is enough (no dictionary to attack).
 *
 * Rows read by token get the caller's token back (better-auth refreshes or deletes a session by
 * `session.token`); rows read another way (by user) carry the digest, which no lookup accepts as a token —
 * so a digest taken from a dump and put into a cookie finds nothing.
 */
import { createHash } from 'node:crypto'
import type { BetterAuthOptions } from 'better-auth'
import type { DBAdapter, Where } from 'better-auth/adapters'

const MODEL = 'session'
const FIELD = 'token'

export const hashSessionToken = (token: string): string => createHash('sha256').update(token).digest('hex')

type Row = Record<string, unknown>

/** The where clauses with every token value hashed, and digest → token for the rows read back. */
function hashWhere(where: Where[] | undefined): { where: Where[] | undefined; plain: Map<string, string> } {
  const plain = new Map<string, string>()
  if (!where) return { where, plain }
  const h = (t: string) => {
    const d = hashSessionToken(t)
    plain.set(d, t)
    return d
  }
  return {
    where: where.map((w) => {
      if (w.field !== FIELD) return w
      if (typeof w.value === 'string') return { ...w, value: h(w.value) }
      if (Array.isArray(w.value))
        return { ...w, value: (w.value as (string | number)[]).map((v) => h(String(v))) }
      return w
    }),
    plain,
  }
}

function restore<T>(row: T, plain: Map<string, string>): T {
  if (!row || typeof row !== 'object') return row
  const r = row as Row
  const t = r[FIELD]
  if (typeof t === 'string' && plain.has(t)) return { ...r, [FIELD]: plain.get(t) } as T
  return row
}

function hashData(data: Row): { data: Row; plain: Map<string, string> } {
  const plain = new Map<string, string>()
  const t = data[FIELD]
  if (typeof t !== 'string') return { data, plain }
  const d = hashSessionToken(t)
  plain.set(d, t)
  return { data: { ...data, [FIELD]: d }, plain }
}

type AnyAdapter = Omit<DBAdapter<BetterAuthOptions>, 'transaction'> & {
  transaction?: DBAdapter<BetterAuthOptions>['transaction']
}

function wrap<A extends AnyAdapter>(a: A): A {
  const w: AnyAdapter = {
    ...a,
    create: async (args) => {
      if (args.model !== MODEL) return a.create(args)
      const { data, plain } = hashData(args.data as Row)
      return restore(await a.create({ ...args, data: data as typeof args.data }), plain)
    },
    findOne: async (args) => {
      if (args.model !== MODEL) return a.findOne(args)
      const { where, plain } = hashWhere(args.where)
      return restore(await a.findOne({ ...args, where: where ?? [] }), plain)
    },
    findMany: async (args) => {
      if (args.model !== MODEL) return a.findMany(args)
      const { where, plain } = hashWhere(args.where)
      const rows = await a.findMany({ ...args, where })
      return rows.map((r) => restore(r, plain))
    },
    count: async (args) =>
      args.model !== MODEL ? a.count(args) : a.count({ ...args, where: hashWhere(args.where).where }),
    update: async (args) => {
      if (args.model !== MODEL) return a.update(args)
      const { where, plain } = hashWhere(args.where)
      const { data } = hashData(args.update)
      return restore(await a.update({ ...args, where: where ?? [], update: data }), plain)
    },
    updateMany: async (args) => {
      if (args.model !== MODEL) return a.updateMany(args)
      return a.updateMany({
        ...args,
        where: hashWhere(args.where).where ?? [],
        update: hashData(args.update).data,
      })
    },
    delete: async (args) =>
      args.model !== MODEL ? a.delete(args) : a.delete({ ...args, where: hashWhere(args.where).where ?? [] }),
    deleteMany: async (args) =>
      args.model !== MODEL
        ? a.deleteMany(args)
        : a.deleteMany({ ...args, where: hashWhere(args.where).where ?? [] }),
    consumeOne: async (args) => {
      if (args.model !== MODEL) return a.consumeOne(args)
      const { where, plain } = hashWhere(args.where)
      return restore(await a.consumeOne({ ...args, where: where ?? [] }), plain)
    },
    incrementOne: async (args) => {
      if (args.model !== MODEL) return a.incrementOne(args)
      const { where, plain } = hashWhere(args.where)
      const set = args.set ? hashData(args.set).data : undefined
      return restore(await a.incrementOne({ ...args, where: where ?? [], ...(set ? { set } : {}) }), plain)
    },
  }
  if (a.transaction) {
    const tx = a.transaction
    w.transaction = (cb) => tx((trx) => cb(wrap(trx)))
  }
  return w as A
}

/** better-auth's `database` option: the given adapter factory with session tokens stored hashed. */
export function withHashedSessionTokens(
  factory: (options: BetterAuthOptions) => DBAdapter<BetterAuthOptions>,
): (options: BetterAuthOptions) => DBAdapter<BetterAuthOptions> {
  return (options) => wrap(factory(options))
}
