/** `createUAC` outcomes in tests: the dialog of an answered call, or why it was not answered. */
import type { Dialog, SipError, UacOutcome } from '../../sip/index.js';

export function answered(outcome: UacOutcome): Dialog {
  if (!outcome.ok) throw outcome.error;
  return outcome.dialog;
}

export function refusal(outcome: UacOutcome): SipError {
  if (outcome.ok) throw new Error(`expected the call to fail, but it was answered (${outcome.dialog.id.callId})`);
  return outcome.error;
}
