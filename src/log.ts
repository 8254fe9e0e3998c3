/**
 * The process logger (pino). Messages are constant strings with structured fields; secrets are
 * redacted by path so a careless `log.info({ body })` cannot leak a key, and personal data goes
 * under a `pii` key that production can drop (STYLE §15).
 */
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/** Field names whose values never reach a log line, at any of the depths listed below. */
const SECRET_FIELDS = [
  'authorization',
  'api_key',
  'apiKey',
  'password',
  'webhook_secret',
  'webhookSecret',
  'secret',
  'secret_key',
  'secretKey',
  'admin_api_key',
  'key_encrypted',
  'password_encrypted',
];

export function redactPaths(): string[] {
  const paths: string[] = ['req.headers.authorization', 'headers.authorization', 'req.headers.cookie'];
  for (const field of SECRET_FIELDS) paths.push(field, `*.${field}`, `*.*.${field}`);
  return paths;
}

/** `destination`: stdout by default; CLI commands that print JSON log to stderr (`pino.destination(2)`). */
export function createLogger(level: string, options: Partial<LoggerOptions> = {}, destination?: DestinationStream): Logger {
  const settings: LoggerOptions = {
    level,
    base: { pid: process.pid },
    redact: { paths: redactPaths(), censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    ...options,
  };
  return destination ? pino(settings, destination) : pino(settings);
}

export function stderrDestination(): DestinationStream {
  return pino.destination({ fd: 2, sync: true });
}

/** Strips the password (and any query secrets) from a connection URL for logging. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    parsed.search = '';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}
