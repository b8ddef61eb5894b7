/**
 * Structured logs (pino). Secrets are redacted by path, at any depth we know of, so a credential
 * object that slips into a log call prints as "[redacted]".
 */
import { pino, type Logger, type LoggerOptions } from 'pino'
import { SECRET_FIELD_NAMES } from './credentials.schema'

const paths = SECRET_FIELD_NAMES.flatMap((f) => [f, `*.${f}`, `*.*.${f}`, `*.*.*.${f}`])
paths.push('req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'headers.cookie')

export const LOG_REDACT_PATHS: readonly string[] = paths

export type { Logger }

export function createLogger(opts: {
  name: string
  level?: string
  destination?: pino.DestinationStream
}): Logger {
  const options: LoggerOptions = {
    name: opts.name,
    level: opts.level ?? 'info',
    redact: { paths: [...LOG_REDACT_PATHS], censor: '[redacted]' },
    base: { svc: opts.name },
  }
  return opts.destination ? pino(options, opts.destination) : pino(options)
}
