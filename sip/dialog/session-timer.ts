/**
 * RFC 4028 session timer negotiation, as pure functions: reading Session-Expires / Min-SE,
 * deciding what a UAS answers and what a UAC learned, and when refreshes and expiry fall due.
 */
import { parseUnsigned } from '../message/headers.js';
import type { SipMessage } from '../message/types.js';

export type Refresher = 'uac' | 'uas';

export interface SessionTimerPolicy {
  /** Interval we ask for / accept at most, in seconds (RFC 4028 §4 recommends 1800). */
  interval: number;
  /** Smallest interval we accept, in seconds; never below 90 (RFC 4028 §4). */
  minSE: number;
}

export const DEFAULT_SESSION_TIMER: Readonly<SessionTimerPolicy> = { interval: 1800, minSE: 90 };

/** RFC 4028 §4: the absolute floor of Min-SE. */
export const MIN_SE_FLOOR = 90;

export interface SessionExpires {
  interval: number;
  refresher?: Refresher;
}

/** `Session-Expires: delta-seconds [;refresher=uac|uas]` (RFC 4028 §4). */
export function parseSessionExpires(value: string | undefined): SessionExpires | undefined {
  if (value === undefined) return undefined;
  const [delta, ...params] = value.split(';');
  const interval = parseUnsigned(delta, 2 ** 31 - 1);
  if (interval === undefined) return undefined;
  const out: SessionExpires = { interval };
  for (const param of params) {
    const [name, v] = param.split('=').map((s) => s.trim().toLowerCase());
    if (name === 'refresher' && (v === 'uac' || v === 'uas')) out.refresher = v;
  }
  return out;
}

export function formatSessionExpires(se: Required<SessionExpires>): string {
  return `${se.interval};refresher=${se.refresher}`;
}

export function supportsOption(message: SipMessage, option: string, header = 'supported'): boolean {
  return message.headers.getAll(header).some((v) => v.trim().toLowerCase() === option);
}

export type UasDecision =
  | { kind: 'none' }
  /** RFC 4028 §9: the interval is below our Min-SE → 422 with our Min-SE. */
  | { kind: 'too-small'; minSE: number }
  | { kind: 'timer'; interval: number; refresher: Refresher; require: boolean };

/**
 * RFC 4028 §9: how a UAS answers an INVITE (or re-INVITE/UPDATE). Without Session-Expires there
 * is no session timer. Otherwise the interval may be lowered to our preference but never below
 * the request's Min-SE; a refresher the UAC chose is kept; if the UAC supports timers it is left
 * to refresh; if it does not, we (the UAS) must, and `Require: timer` is not sent.
 */
export function negotiateAsUas(request: SipMessage, policy: SessionTimerPolicy): UasDecision {
  const se = parseSessionExpires(request.headers.get('session-expires'));
  if (!se) return { kind: 'none' };
  const minSE = Math.max(MIN_SE_FLOOR, policy.minSE);
  if (se.interval < minSE) return { kind: 'too-small', minSE };
  const theirMin = parseUnsigned(request.headers.get('min-se'), 2 ** 31 - 1) ?? MIN_SE_FLOOR;
  const interval = Math.max(Math.min(se.interval, Math.max(policy.interval, minSE)), theirMin);
  const uacSupports = supportsOption(request, 'timer');
  const refresher: Refresher = se.refresher ?? (uacSupports ? 'uac' : 'uas');
  return { kind: 'timer', interval, refresher: uacSupports ? refresher : 'uas', require: uacSupports };
}

/**
 * RFC 4028 §7.2: what a UAC learns from the 2xx. No Session-Expires → no session timer; a
 * missing refresher parameter means the UAC refreshes.
 */
export function negotiateAsUac(response: SipMessage): { interval: number; refresher: Refresher } | undefined {
  const se = parseSessionExpires(response.headers.get('session-expires'));
  if (!se) return undefined;
  return { interval: se.interval, refresher: se.refresher ?? 'uac' };
}

/** RFC 4028 §10: the refresher sends its refresh at half the interval. */
export function refreshDelayMs(intervalSeconds: number): number {
  return (intervalSeconds * 1000) / 2;
}

/**
 * RFC 4028 §10: the other side sends BYE if no refresh arrived by the interval minus the lesser
 * of 32 seconds and one third of the interval.
 */
export function expiryDelayMs(intervalSeconds: number): number {
  return (intervalSeconds - Math.min(32, intervalSeconds / 3)) * 1000;
}
