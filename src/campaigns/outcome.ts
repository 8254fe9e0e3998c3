/**
 * What one attempt at a lead came to, and what happens next (issue #14, research/pipeline §5):
 * an answered call completes the lead; no answer, busy, a failure and voicemail are retried after
 * the delay until `max_attempts`; an invalid number (404/484) is never retried.
 */
import type { CallStatus, EndReason } from '../telephony/vocabulary.js';

export const ATTEMPT_OUTCOMES = ['completed', 'voicemail', 'no-answer', 'busy', 'failed', 'invalid-number'] as const;
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number];

export interface FinishedCall {
  status: CallStatus;
  endReason: EndReason | null;
  sipStatus: number | null;
  /**
   * The callee picked up and the agent reached them (a billed call): an answer that only heard
   * the apology of a failed agent counts as a failed attempt, and is retried.
   */
  answered: boolean;
}

/** SIP statuses that say the number itself is wrong: 404 Not Found, 484 Address Incomplete, 604. */
const INVALID_NUMBER = new Set([404, 484, 604]);

export function attemptOutcome(call: FinishedCall): AttemptOutcome {
  if (call.endReason === 'voicemail') return 'voicemail';
  if (call.answered) return 'completed';
  if (call.sipStatus !== null && INVALID_NUMBER.has(call.sipStatus)) return 'invalid-number';
  switch (call.endReason) {
    case 'busy':
    case 'declined':
      return 'busy';
    case 'no-answer':
      return 'no-answer';
    default:
      return 'failed';
  }
}

export const RETRYABLE: ReadonlySet<AttemptOutcome> = new Set(['voicemail', 'no-answer', 'busy', 'failed']);

export interface RetryPolicy {
  maxAttempts: number;
  retryDelayMinutes: number;
  /** Widening delays: the n-th retry waits delays[n-1] (the last one repeats). */
  retryDelaysMinutes: readonly number[] | null;
}

export type NextStep = { status: 'completed' } | { status: 'failed' } | { status: 'pending'; retryAt: Date };

/** After attempt number `attempts` (1-based) ended with `outcome` at `now`. */
export function nextStep(outcome: AttemptOutcome, attempts: number, policy: RetryPolicy, now: Date): NextStep {
  if (outcome === 'completed') return { status: 'completed' };
  if (!RETRYABLE.has(outcome) || attempts >= policy.maxAttempts) return { status: 'failed' };
  const list = policy.retryDelaysMinutes;
  const minutes = list && list.length > 0 ? list[Math.min(attempts, list.length) - 1] : policy.retryDelayMinutes;
  return { status: 'pending', retryAt: new Date(now.getTime() + minutes * 60_000) };
}
