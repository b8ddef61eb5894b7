/** Organization roles, weakest first. A guard asks for a minimum role. */
export const ROLES = ['viewer', 'member', 'admin', 'owner'] as const
export type Role = (typeof ROLES)[number]

export function isRole(s: string): s is Role {
  return (ROLES as readonly string[]).includes(s)
}

/** better-auth stores roles comma-separated; the strongest one counts. */
export function strongestRole(stored: string): Role | null {
  let best: Role | null = null
  for (const r of stored.split(',').map((x) => x.trim())) {
    if (isRole(r) && (best === null || ROLES.indexOf(r) > ROLES.indexOf(best))) best = r
  }
  return best
}

export function roleAtLeast(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need)
}
