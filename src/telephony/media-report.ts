/**
 * What the call owner stores from a media worker's `call.ended` beyond usage and quality: the
 * latency waterfall of each answered turn (the `calls.latency` column, returned by
 * `GET /api/v1/calls/{id}` and in the end-of-call report as the extension field `latency`), and
 * whether the call is billed. Pure functions of `call.ended`; the owner calls them.
 */
import type { CallEnded, CallLatency } from '../../media/index.js';

/** The value of `calls.latency` (null: the call had no agent turns to measure). */
export function latencyRecord(ended: CallEnded | null): CallLatency | null {
  const latency = ended?.latency;
  if (!latency || (latency.turns.length === 0 && latency.bargeIns.length === 0)) return null;
  return latency;
}

/**
 * A call that never reached a working agent — only a built-in prompt played (no provider key,
 * a provider that refused at start) — is not billed (flireo-api A.3: the caller heard an apology,
 * not a service). Calls whose worker did not report (crashed) are billed as before.
 */
export function isBillable(ended: CallEnded | null): boolean {
  return ended?.agentReached !== false;
}

/**
 * Adds the waterfall to an end-of-call report payload as the extension field `latency` (same
 * shape as on the call object, in either webhook key style since it is ours).
 */
export function withLatency<P extends { message: Record<string, unknown> }>(payload: P, latency: CallLatency | null): P {
  if (latency) payload.message.latency = latency;
  return payload;
}
