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
  const paths: string[] = [];
  for (const header of ['.authorization', '.cookie', '["x-api-key"]', '["proxy-authorization"]']) {
    paths.push(`req.headers${header}`, `headers${header}`);
  }
  for (const field of SECRET_FIELDS) paths.push(field, `*.${field}`, `*.*.${field}`);
  return paths;
}

/** Query parameters whose value is a credential: `api_key`, `apikey`, `key`, `token`, `access_token`, `client_secret`, `password`… */
const SECRET_QUERY_NAME = /^(key|sig|signature|auth|authorization)$|api[_-]?key|token|secret|passw(or)?d/i;

/**
 * `/x?api_key=vg_live_…&limit=5` → `/x?api_key=[redacted]&limit=5`. Clients put keys in URLs
 * although the API never reads them there; the request log must not keep them.
 */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const pairs = url.slice(q + 1).split('&').map((pair) => {
    const eq = pair.indexOf('=');
    const rawName = eq === -1 ? pair : pair.slice(0, eq);
    let name = rawName;
    try {
      name = decodeURIComponent(rawName.replace(/\+/g, ' '));
    } catch {
      // a malformed escape: judge the raw name
    }
    return eq !== -1 && SECRET_QUERY_NAME.test(name) ? `${rawName}=[redacted]` : pair;
  });
  return `${url.slice(0, q)}?${pairs.join('&')}`;
}

interface LoggedRequest {
  method?: string;
  url?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

/** Fastify's request serializer (method, url, remote address) with the URL's secrets redacted. */
function serializeRequest(req: LoggedRequest) {
  return {
    method: req.method,
    url: typeof req.url === 'string' ? redactUrl(req.url) : req.url,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}

/** `destination`: stdout by default; CLI commands that print JSON log to stderr (`pino.destination(2)`). */
export function createLogger(level: string, options: Partial<LoggerOptions> = {}, destination?: DestinationStream): Logger {
  const settings: LoggerOptions = {
    level,
    base: { pid: process.pid },
    redact: { paths: redactPaths(), censor: '[redacted]' },
    serializers: { req: serializeRequest },
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
