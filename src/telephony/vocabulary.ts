/**
 * The one vocabulary of a call (DESIGN §5.1, STYLE §3): its status, why it ended, and what a SIP
 * final response means for it, as constant lists with their exhaustive mappings next to them.
 * The API schema, the SQL constraints (a test compares them), the webhooks and the UA outcome
 * all come from here; adding a reason fails to compile until every mapping handles it.
 */
import type { DialogDestroyReason } from '../../sip/index.js';

export const CALL_STATUSES = [
  'ringing',
  'connecting',
  'in-progress',
  'forwarding',
  'transferred',
  'ended',
  'ended-with-error',
  'failed',
  'rejected',
] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];

/** flireo-api A.5, plus voxgate's `declined`, `failed` (outbound outcomes) and `node-failure`. */
export const END_REASONS = [
  'customer-hangup',
  'agent-hangup',
  'max-duration',
  'silence-timeout',
  'voicemail',
  'transferred',
  'provider-error',
  'sip-error',
  'rejected',
  'no-answer',
  'busy',
  'declined',
  'failed',
  'node-failure',
] as const;
export type EndReason = (typeof END_REASONS)[number];

export const DIRECTIONS = ['inbound', 'outbound', 'web'] as const;
export type CallDirection = (typeof DIRECTIONS)[number];

/** Statuses of a call that has not ended (also `active_calls` of the organization). */
export const LIVE_STATUSES: readonly CallStatus[] = ['ringing', 'connecting', 'in-progress', 'forwarding'];

/** The final status of a call that ended for this reason. */
export const FINAL_STATUS: Readonly<Record<EndReason, CallStatus>> = {
  'customer-hangup': 'ended',
  'agent-hangup': 'ended',
  'max-duration': 'ended',
  'silence-timeout': 'ended',
  voicemail: 'ended',
  transferred: 'transferred',
  'provider-error': 'ended-with-error',
  'sip-error': 'ended-with-error',
  'node-failure': 'ended-with-error',
  rejected: 'rejected',
  'no-answer': 'failed',
  busy: 'failed',
  declined: 'failed',
  failed: 'failed',
};

/** The `status-update` webhook only knows ended / ended-with-error for a finished call (B §4.5). */
export function webhookFinalStatus(status: CallStatus): 'ended' | 'ended-with-error' {
  return status === 'ended-with-error' || status === 'failed' ? 'ended-with-error' : 'ended';
}

/** What an unanswered INVITE's final response means for the call (and a transfer target). */
export type SipOutcome = 'busy' | 'declined' | 'no-answer' | 'failed';

/** 486/600 busy, 603 declined, 408/480/487 and timeouts no-answer, any other ≥ 300 failed. */
export function sipOutcome(status: number): SipOutcome {
  switch (status) {
    case 486:
    case 600:
      return 'busy';
    case 603:
      return 'declined';
    case 408:
    case 480:
    case 487:
      return 'no-answer';
    default:
      return 'failed';
  }
}

/** Why the SIP dialog ended, as a call end reason. */
export const DIALOG_END_REASON: Readonly<Record<DialogDestroyReason, EndReason>> = {
  'bye-received': 'customer-hangup',
  'bye-sent': 'agent-hangup',
  'session-expired': 'sip-error',
  'ack-timeout': 'sip-error',
  'transport-error': 'sip-error',
  shutdown: 'agent-hangup',
};

/** Hang-up reasons the agent runtime sends (`call.hangup-request`), as end reasons. */
export function endReasonOfHangup(reason: string): EndReason {
  switch (reason) {
    case 'agent-hangup':
    case 'silence-timeout':
    case 'voicemail':
    case 'provider-error':
    case 'max-duration':
      return reason;
    case 'no-media':
      return 'sip-error';
    default:
      return 'agent-hangup';
  }
}
