/**
 * Dependency audit: run `npm audit --omit=dev --json` and compare its high/critical advisories with
 * the ones explained in test/security/AUDIT.md. Any advisory (GHSA id, or its URL) that is high or
 * critical and not named in AUDIT.md is unexplained and fails the suite.
 */
import { execFile } from 'node:child_process'
import { join } from 'node:path'

export interface Advisory {
  /** GHSA id when npm gives one (from the advisory URL), else `<package>:<title>`. */
  id: string
  pkg: string
  severity: string
  title: string
  url: string
}

export type AuditOutcome = { ok: true; advisories: Advisory[] } | { ok: false; reason: string }

interface NpmVia {
  source?: number
  name?: string
  title?: string
  url?: string
  severity?: string
}

const SEVERE = new Set(['high', 'critical'])

/** High/critical advisories of an `npm audit --json` (v2) report, or why there is no report. */
export function parseAuditReport(json: unknown): AuditOutcome {
  if (!json || typeof json !== 'object') return { ok: false, reason: 'npm audit printed no JSON' }
  const o = json as {
    vulnerabilities?: Record<string, { via?: (string | NpmVia)[] }>
    message?: string
    statusCode?: number
    error?: { summary?: string }
  }
  if (!o.vulnerabilities) {
    return {
      ok: false,
      reason: `audit endpoint unavailable: ${o.message ?? o.error?.summary ?? `status ${o.statusCode ?? '?'}`}`,
    }
  }
  const out = new Map<string, Advisory>()
  for (const [pkg, v] of Object.entries(o.vulnerabilities)) {
    for (const via of v.via ?? []) {
      // A string `via` points at another entry (a transitive path); the advisory itself is listed there.
      if (typeof via === 'string' || !via.severity || !SEVERE.has(via.severity)) continue
      const ghsa = /GHSA-[\w-]+/.exec(via.url ?? '')?.[0]
      const id = ghsa ?? `${via.name ?? pkg}:${via.title ?? via.source ?? '?'}`
      out.set(id, {
        id,
        pkg: via.name ?? pkg,
        severity: via.severity,
        title: via.title ?? '',
        url: via.url ?? '',
      })
    }
  }
  return { ok: true, advisories: [...out.values()].sort((a, b) => a.id.localeCompare(b.id)) }
}

/** Advisory ids named in AUDIT.md's table (first column: a GHSA id or `<package>:<title>`). */
export function explainedIds(markdown: string): Set<string> {
  const ids = new Set<string>()
  for (const line of markdown.split('\n')) {
    const cell = /^\|\s*`?([^|`]+?)`?\s*\|/.exec(line)?.[1]?.trim()
    if (!cell || /^-+$/.test(cell) || cell.toLowerCase() === 'advisory') continue
    ids.add(cell)
  }
  return ids
}

export function unexplained(advisories: Advisory[], explained: Set<string>): Advisory[] {
  return advisories.filter((a) => !explained.has(a.id))
}

/** Run npm audit in the repository root (production dependencies only). */
export function runNpmAudit(root = join(import.meta.dirname, '../..'), timeoutMs = 60_000): Promise<unknown> {
  return new Promise((resolve) => {
    // npm exits 1 when it finds vulnerabilities (or fails); the JSON on stdout says which.
    execFile(
      'npm',
      ['audit', '--omit=dev', '--json'],
      { cwd: root, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (_err, stdout) => {
        try {
          resolve(JSON.parse(stdout) as unknown)
        } catch {
          resolve(undefined)
        }
      },
    )
  })
}
