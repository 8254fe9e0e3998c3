/**
 * Public types of dialogs: why a dialog ended, the typed event map, and small payloads.
 */
import type { IncomingRequest, ServerResponse } from './incoming.js';
import type { ReferResponse } from './refer.js';

export type DialogDestroyReason =
  /** The peer sent BYE. */
  | 'bye-received'
  /** We sent BYE (`dialog.bye()`). */
  | 'bye-sent'
  /** RFC 4028: the session was not refreshed in time; we sent BYE. */
  | 'session-expired'
  /** §13.3.1.4: no ACK for our 2xx within 64·T1; we sent BYE. */
  | 'ack-timeout'
  /**
   * An in-dialog request could not be delivered, timed out, or the peer no longer knows the
   * dialog (§14.1: 408 or 481 to a re-INVITE).
   */
  | 'transport-error'
  /** The user agent is shutting down. */
  | 'shutdown';

/** An `application/dtmf-relay` INFO body (Signal=5, Duration=160). */
export interface DtmfRelay {
  signal: string;
  /** Milliseconds, when given. */
  duration?: number;
}

export interface DialogEvents {
  /** The peer hung up; the dialog is already answered 200 and destroyed. */
  bye: [request: IncomingRequest];
  /**
   * A re-INVITE or UPDATE carrying an SDP offer (hold, unhold, codec change): answer with
   * `response.send(200, { body: answerSdp })`, or reject (e.g. 488). Unanswered for 64·T1 → 500.
   */
  modify: [request: IncomingRequest, response: ServerResponse];
  /** A session refresh without a new offer (already answered 200). */
  refresh: [request: IncomingRequest];
  /** A REFER (transfer request): `response.accept()` → 202 and a NOTIFY helper, or `reject()`. */
  refer: [request: IncomingRequest, response: ReferResponse];
  /** An INFO (already answered 200); `dtmf` is set for `application/dtmf-relay` bodies. */
  info: [request: IncomingRequest, dtmf: DtmfRelay | undefined];
  /** A NOTIFY (already answered 200); REFER progress is also tracked by `dialog.refer()`. */
  notify: [request: IncomingRequest];
  /** The dialog ended; emitted exactly once. */
  destroyed: [reason: DialogDestroyReason];
}

/** The outcome of `dialog.refer()` (RFC 3515), read from the REFER response and NOTIFY sipfrags. */
export interface ReferOutcome {
  /** The final status: of the sipfrag (e.g. 200, 486), of the REFER rejection, or 408 on timeout. */
  status: number;
  reason: string;
  /** Where the status came from. */
  stage: 'rejected' | 'notify' | 'timeout' | 'dialog-ended';
}

/** Parses an `application/dtmf-relay` body. */
export function parseDtmfRelay(body: string): DtmfRelay | undefined {
  let signal: string | undefined;
  let duration: number | undefined;
  for (const line of body.split(/\r?\n/)) {
    const eq = line.indexOf('=');
    if (eq === -1) continue;
    const name = line.slice(0, eq).trim().toLowerCase();
    const value = line.slice(eq + 1).trim();
    if (name === 'signal' && /^[0-9A-D*#]$/i.test(value)) signal = value.toUpperCase();
    if (name === 'duration' && /^\d{1,6}$/.test(value)) duration = Number(value);
  }
  if (signal === undefined) return undefined;
  return duration === undefined ? { signal } : { signal, duration };
}
