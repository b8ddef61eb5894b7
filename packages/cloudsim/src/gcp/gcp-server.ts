import type { IncomingMessage } from 'node:http'
import type { Sim } from '../control/sim'
import { json, type Reply } from '../http'

export async function handleGcp(_sim: Sim, _req: IncomingMessage, url: URL, _body: Buffer, _origin: string): Promise<Reply> {
  return json(404, { error: { code: 404, message: url.pathname, status: 'NOT_FOUND' } })
}
