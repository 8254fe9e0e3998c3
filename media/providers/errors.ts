/**
 * Typed errors of the realtime providers (STYLE.md principle 10): a closed set of stable codes
 * that say, where they happen, whether trying again can help.
 */

export type RealtimeErrorCode =
  /** Nothing listened, DNS failed, or the TCP connection was reset before the upgrade. */
  | 'connect_refused'
  /** `open()` or `configure()` did not finish within `connectTimeoutMs`. */
  | 'connect_timeout'
  /** HTTP 401/403 on the upgrade, or the server rejected the key. */
  | 'auth_failed'
  /** The upgrade was answered with another HTTP status. */
  | 'handshake_failed'
  /** HTTP 429 or a rate-limit error from the server. */
  | 'rate_limited'
  /** The server refused `session.update`. */
  | 'config_rejected'
  /** The server refused a client event (not fatal). */
  | 'invalid_request'
  /** The server failed internally (not fatal unless the socket closes). */
  | 'server_error'
  /** The session expired or the account can no longer use it. */
  | 'session_expired'
  /** The server sent something that is not a valid event. */
  | 'protocol_error'
  /** The socket ended before the session was ready. */
  | 'connection_lost'
  /** The call does not fit the session's state (e.g. configure before open, a model change). */
  | 'invalid_state'
  /** The session was closed by `close()` while the operation was pending. */
  | 'closed';

const RETRYABLE: Readonly<Record<RealtimeErrorCode, boolean>> = {
  connect_refused: true,
  connect_timeout: true,
  auth_failed: false,
  handshake_failed: false,
  rate_limited: true,
  config_rejected: false,
  invalid_request: false,
  server_error: true,
  session_expired: false,
  protocol_error: false,
  connection_lost: true,
  invalid_state: false,
  closed: false,
};

export interface RealtimeProviderErrorOptions {
  httpStatus?: number;
  providerCode?: string;
  param?: string;
  cause?: unknown;
}

/** The one error type `open()`, `configure()` and `connect()` reject with. */
export class RealtimeProviderError extends Error {
  readonly code: RealtimeErrorCode;
  readonly retryable: boolean;
  readonly httpStatus?: number;
  readonly providerCode?: string;
  readonly param?: string;

  constructor(code: RealtimeErrorCode, message: string, opts: RealtimeProviderErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'RealtimeProviderError';
    this.code = code;
    this.httpStatus = opts.httpStatus;
    this.providerCode = opts.providerCode;
    this.param = opts.param;
    // A 5xx on the upgrade is the server's trouble, not ours: worth another try.
    this.retryable = RETRYABLE[code] || (code === 'handshake_failed' && (opts.httpStatus ?? 0) >= 500);
  }
}

/** Classifies an HTTP status that answered the WebSocket upgrade instead of `101`. */
export function errorForUpgradeStatus(status: number, statusMessage: string): RealtimeProviderError {
  const message = `upgrade refused with HTTP ${status} ${statusMessage}`.trim();
  if (status === 401 || status === 403) return new RealtimeProviderError('auth_failed', message, { httpStatus: status });
  if (status === 429) return new RealtimeProviderError('rate_limited', message, { httpStatus: status });
  return new RealtimeProviderError('handshake_failed', message, { httpStatus: status });
}

/** Classifies a socket-level failure before the upgrade completed. */
export function errorForSocketFailure(err: Error & { code?: string }): RealtimeProviderError {
  const refused = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH'];
  if (err.code !== undefined && refused.includes(err.code)) {
    return new RealtimeProviderError('connect_refused', `connection failed: ${err.code}`, { cause: err });
  }
  return new RealtimeProviderError('connection_lost', `connection failed: ${err.message}`, { cause: err });
}
