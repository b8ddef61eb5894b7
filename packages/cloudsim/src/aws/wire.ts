/**
 * AWS wire helpers: SigV4 credential parsing, form (query protocol) parsing into nested objects, and
 * XML building. Responses are generated from plain objects by small serializers, not string templates.
 */

export interface SigV4Scope {
  accessKeyId: string
  date: string
  region: string
  service: string
}

/** `AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/ec2/aws4_request, SignedHeaders=…, Signature=…` */
export function parseSigV4(authorization: string | undefined): SigV4Scope | undefined {
  if (!authorization) return undefined
  const m = /Credential=([^/,\s]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request/.exec(authorization)
  if (!m || !m[1] || !m[2] || !m[3] || !m[4]) return undefined
  return { accessKeyId: m[1], date: m[2], region: m[3], service: m[4] }
}

export type FormValue = string | FormValue[] | { [k: string]: FormValue }
export type FormObject = { [k: string]: FormValue }

/**
 * `Filter.1.Name=a&Filter.1.Value.1=b` → `{Filter:[{Name:'a',Value:['b']}]}`; `X.member.2.Y` and
 * `X.item.N` collapse the same way (awsQuery lists). Indexes are 1-based on the wire.
 */
export function parseForm(body: string): FormObject {
  const root: FormObject = {}
  for (const [rawKey, value] of new URLSearchParams(body)) {
    const parts = rawKey.split('.')
    const segs: (string | number)[] = []
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i] ?? ''
      const next = parts[i + 1]
      if ((p === 'member' || p === 'item' || p === 'entry') && next !== undefined && /^\d+$/.test(next))
        continue
      segs.push(/^\d+$/.test(p) ? Number(p) - 1 : p)
    }
    let node: FormValue = root
    for (let i = 0; i < segs.length; i++) {
      const seg = segs[i] as string | number
      const last = i === segs.length - 1
      const nextSeg = segs[i + 1]
      const container = node as Record<string | number, FormValue>
      if (last) {
        container[seg] = value
      } else {
        if (container[seg] === undefined || typeof container[seg] === 'string')
          container[seg] = typeof nextSeg === 'number' ? [] : {}
        node = container[seg] as FormValue
      }
    }
  }
  return root
}

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

/** Scalars the XML serializers accept. */
export type XmlScalar = string | number | boolean | Date | null | undefined

function scalar(v: Exclude<XmlScalar, null | undefined>): string {
  if (v instanceof Date) return v.toISOString()
  return esc(String(v))
}

/** `<tag>value</tag>`, omitted when the value is null/undefined. */
export function el(tag: string, v: XmlScalar): string {
  return v === null || v === undefined ? '' : `<${tag}>${scalar(v)}</${tag}>`
}

/** `<tag>…children…</tag>` */
export function node(tag: string, ...children: string[]): string {
  return `<${tag}>${children.join('')}</${tag}>`
}

/** EC2 lists: `<tagSet><item>…</item></tagSet>` */
export function itemSet(tag: string, items: string[]): string {
  return `<${tag}>${items.map((i) => `<item>${i}</item>`).join('')}</${tag}>`
}

export type QueryValue = XmlScalar | QueryValue[] | { [k: string]: QueryValue }

/**
 * awsQuery serializer for plain objects: arrays become `<member>` lists, Dates ISO 8601. Used where
 * shapes are regular (CloudWatch); hand-written element names elsewhere.
 */
export function toQueryXml(v: QueryValue): string {
  if (v === null || v === undefined) return ''
  if (Array.isArray(v)) return v.map((x) => `<member>${toQueryXml(x)}</member>`).join('')
  if (typeof v === 'object' && !(v instanceof Date)) {
    return Object.entries(v)
      .filter(([, x]) => x !== undefined && x !== null)
      .map(([k, x]) => `<${k}>${toQueryXml(x)}</${k}>`)
      .join('')
  }
  return scalar(v)
}

export function queryResponse(action: string, xmlns: string, result: string, requestId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${xmlns}"><${action}Result>${result}</${action}Result><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`
}

export function ec2Response(action: string, body: string, requestId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>${requestId}</requestId>${body}</${action}Response>`
}

// ---- loose input coercion (the same handler serves JSON, CBOR and query inputs) -----------------

export function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  return undefined
}

export function num(v: unknown): number | undefined {
  if (typeof v === 'number') return v
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v)
  return undefined
}

export function bool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v
  if (v === 'true') return true
  if (v === 'false') return false
  return undefined
}

/** A timestamp as epoch seconds: Date (CBOR tag 1), epoch number (JSON) or ISO string (query). */
export function epochSeconds(v: unknown): number | undefined {
  if (v instanceof Date) return v.getTime() / 1000
  if (typeof v === 'number') return v
  if (typeof v === 'string') {
    if (/^\d+(\.\d+)?$/.test(v)) return Number(v)
    const t = Date.parse(v)
    return Number.isNaN(t) ? undefined : t / 1000
  }
  return undefined
}

export function arr(v: unknown): unknown[] {
  if (Array.isArray(v)) return v
  return []
}

export function obj(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date)
    ? (v as Record<string, unknown>)
    : {}
}
