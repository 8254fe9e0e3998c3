/**
 * The one error type of the user-agent layer. Each error carries a stable `code`, the SIP
 * `status` that describes it (received, or the RFC 3261 §8.1.3.1 equivalent for timeouts and
 * transport failures) and a `reason`. A final non-2xx to an INVITE is an expected outcome: the
 * caller branches on `status` (486 busy, 404, 487 canceled…).
 */
import type { SipResponse } from '../message/types.js';

export type SipErrorCode =
  /** The peer answered with a final non-2xx response (`status`, `reason`, `response`). */
  | 'SIP_REJECTED'
  /** Timer B/F expired: no final response (§8.1.3.1: treated as 408). */
  | 'SIP_TIMEOUT'
  /** The message could not be sent (§8.1.3.1: treated as 503). */
  | 'SIP_TRANSPORT'
  /** We canceled the INVITE (AbortSignal, ring timeout) or the caller canceled it (487). */
  | 'SIP_CANCELED'
  /** We sent a 2xx and no ACK came within 64·T1 (§13.3.1.4). */
  | 'SIP_ACK_TIMEOUT'
  /** The dialog ended before the operation finished. */
  | 'SIP_DIALOG_TERMINATED'
  /** The operation is not allowed now (e.g. a second final response, a re-INVITE in progress). */
  | 'SIP_INVALID_STATE'
  /** The target URI cannot be parsed or resolved. */
  | 'SIP_BAD_TARGET';

export class SipError extends Error {
  constructor(
    readonly code: SipErrorCode,
    readonly status: number,
    readonly reason: string,
    readonly response?: SipResponse,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${status} ${reason}`, options);
    this.name = 'SipError';
  }

  static rejected(response: SipResponse): SipError {
    return new SipError('SIP_REJECTED', response.status, response.reason, response);
  }

  static timeout(): SipError {
    return new SipError('SIP_TIMEOUT', 408, 'Request Timeout');
  }

  static transport(cause: unknown): SipError {
    return new SipError('SIP_TRANSPORT', 503, 'Service Unavailable', undefined, { cause });
  }
}

export function isSipError(value: unknown): value is SipError {
  return value instanceof SipError;
}
