/**
 * Applying an RFC 4028 negotiation: the headers a UAS puts in its 2xx, and starting the dialog's
 * timer with the right side as refresher.
 */
import type { Refresher, UasDecision } from '../dialog/session-timer.js';
import type { SessionTimer } from './session-timer.js';

/** RFC 4028 §9: Session-Expires with the refresher, and Require: timer when the UAC supports it. */
export function sessionTimerHeaders(decision: UasDecision): Array<[string, string]> {
  if (decision.kind !== 'timer') return [];
  const headers: Array<[string, string]> = [['Session-Expires', `${decision.interval};refresher=${decision.refresher}`]];
  if (decision.require) headers.push(['Require', 'timer']);
  return headers;
}

/** Starts (or stops) the timer after a 2xx we sent; `us` is our role in that transaction. */
export function startSessionTimer(timer: SessionTimer, decision: UasDecision, us: Refresher): void {
  if (decision.kind === 'timer') timer.restart(decision.interval, decision.refresher === us);
  else timer.stop();
}
