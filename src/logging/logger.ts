import pino from 'pino';
import type { Logger } from 'pino';
import type { Settings } from '../config/settings.js';

export type { Logger } from 'pino';

/**
 * Structured logs on stderr (stdout belongs to command output): JSON, or pretty on a TTY.
 * Secrets never reach a log line: nothing logs a clear password or an unmasked URL (connection
 * URLs are logged through `redactedUrl`), and as a second guard any field named like a secret is
 * censored by pino's redaction.
 */
export const REDACT_PATHS = ['password', '*.password', 'url', 'connection.url', 'spec.url', 'secret_key', '*.secret_key', 'api_token', '*.api_token', 'token', '*.token', 'headers.authorization', 'req.headers.authorization'];

export function createLogger(settings: Pick<Settings, 'log'>, stream: NodeJS.WritableStream = process.stderr): Logger {
  const pretty = settings.log.format === 'pretty' || (settings.log.format === 'auto' && Boolean((stream as NodeJS.WriteStream).isTTY));
  const options = { level: settings.log.level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { pid: process.pid } };
  if (pretty) {
    return pino({ ...options, transport: { target: 'pino-pretty', options: { destination: 2, colorize: true } } });
  }
  return pino(options, stream);
}
