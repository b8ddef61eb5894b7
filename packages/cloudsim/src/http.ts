/** Small HTTP helpers shared by the three cloud front ends. */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { randomUUID } from 'node:crypto'

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

export interface Reply {
  status: number
  headers?: Record<string, string>
  body: string | Buffer
}

export function json(status: number, value: unknown, headers: Record<string, string> = {}): Reply {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(value),
  }
}

export function send(res: ServerResponse, reply: Reply): void {
  const body = typeof reply.body === 'string' ? Buffer.from(reply.body, 'utf8') : reply.body
  res.writeHead(reply.status, { ...reply.headers, 'content-length': String(body.length) })
  res.end(body)
}

/** Cut a body in half: the "malformed body" fault (valid status, unparseable payload). */
export function malform(reply: Reply): Reply {
  const body = typeof reply.body === 'string' ? Buffer.from(reply.body, 'utf8') : reply.body
  return { ...reply, status: 200, body: body.subarray(0, Math.max(1, Math.floor(body.length / 2))) }
}

export function requestId(): string {
  return randomUUID()
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}

/** Opaque, tamper-evident-enough paging tokens: base64url JSON. */
export function encodeToken(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url')
}

export function decodeToken<T>(token: string): T | undefined {
  try {
    return JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as T
  } catch {
    return undefined
  }
}
