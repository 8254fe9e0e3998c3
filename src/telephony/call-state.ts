/**
 * A call's status as an explicit state machine (DESIGN §5.1, STYLE §2): one table of allowed
 * transitions, one function that applies an input and refuses undefined pairs. The call owner
 * changes its status only through `CallState.apply`, so no other code path can write it.
 *
 *   connecting → ringing → in-progress ⇄ forwarding → transferred
 *   (any live status) → ended | ended-with-error | failed | rejected | transferred  (by end reason)
 */
import { FINAL_STATUS, type CallStatus, type EndReason } from './vocabulary.js';

export type CallInput =
  | { kind: 'ringing' }
  | { kind: 'answered' }
  | { kind: 'forwarding' }
  | { kind: 'transfer-failed' }
  | { kind: 'bridged' }
  | { kind: 'end'; reason: EndReason };

type Step = Exclude<CallInput['kind'], 'end'>;

const STEPS: Readonly<Record<CallStatus, Partial<Record<Step, CallStatus>>>> = {
  connecting: { ringing: 'ringing', answered: 'in-progress' },
  ringing: { answered: 'in-progress' },
  'in-progress': { forwarding: 'forwarding' },
  forwarding: { 'transfer-failed': 'in-progress', bridged: 'transferred' },
  // Bridged to a transfer target: the call is live until either side hangs up.
  transferred: {},
  ended: {},
  'ended-with-error': {},
  failed: {},
  rejected: {},
};

const LIVE: ReadonlySet<CallStatus> = new Set(['connecting', 'ringing', 'in-progress', 'forwarding', 'transferred']);

/** The status a call ends in: a bridged call stays `transferred`, whatever ended it. */
export function finalStatus(from: CallStatus, reason: EndReason): CallStatus {
  return from === 'transferred' ? 'transferred' : FINAL_STATUS[reason];
}

/** The status after `input`, or null when the machine has no such transition. */
export function transition(from: CallStatus, input: CallInput): CallStatus | null {
  if (input.kind === 'end') return LIVE.has(from) ? finalStatus(from, input.reason) : null;
  return STEPS[from][input.kind] ?? null;
}

export class CallState {
  private current: CallStatus;

  constructor(initial: 'ringing' | 'connecting') {
    this.current = initial;
  }

  get status(): CallStatus {
    return this.current;
  }

  get isLive(): boolean {
    return LIVE.has(this.current);
  }

  /** Applies `input`; false (status unchanged) when the transition is not defined. */
  apply(input: CallInput): boolean {
    const next = transition(this.current, input);
    if (next === null) return false;
    this.current = next;
    return true;
  }
}
