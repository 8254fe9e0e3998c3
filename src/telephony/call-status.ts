/**
 * Call status and end reasons (flireo-api A.5) as one enum each, with the exhaustive mappings
 * next to them (STYLE §3): adding a reason fails to compile until every mapping handles it.
 */
import type { DialogDestroyReason } from '../../sip/index.js';

export type CallStatus =
  | 'ringing'
  | 'connecting'
  | 'in-progress'
  | 'forwarding'
  | 'transferred'
  | 'ended'
  | 'ended-with-error'
  | 'failed'
  | 'rejected';

export type EndReason =
  | 'customer-hangup'
  | 'agent-hangup'
  | 'max-duration'
  | 'silence-timeout'
  | 'voicemail'
  | 'transferred'
  | 'provider-error'
  | 'sip-error'
  | 'rejected'
  | 'no-answer'
  | 'busy';

export const ACTIVE_STATUSES: readonly CallStatus[] = ['ringing', 'connecting', 'in-progress', 'forwarding'];

/** The final status of an answered call that ended for this reason. */
export const FINAL_STATUS: Readonly<Record<EndReason, CallStatus>> = {
  'customer-hangup': 'ended',
  'agent-hangup': 'ended',
  'max-duration': 'ended',
  'silence-timeout': 'ended',
  voicemail: 'ended',
  transferred: 'transferred',
  'provider-error': 'ended-with-error',
  'sip-error': 'ended-with-error',
  rejected: 'rejected',
  'no-answer': 'failed',
  busy: 'failed',
};

/** The `status-update` webhook only knows ended / ended-with-error for a finished call (B §4.5). */
export function webhookFinalStatus(status: CallStatus): 'ended' | 'ended-with-error' {
  return status === 'ended-with-error' || status === 'failed' ? 'ended-with-error' : 'ended';
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
