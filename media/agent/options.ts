/** The agent runtime's engine knobs: the pool's `logicOptions`, or `deps.options` in tests. */

export interface AgentLogicOptions {
  /** The model is declared failed after this long without audio, transcript or tool call (default 20 000 ms; 0 = off). */
  watchdogMs?: number;
  /** Longest wait for a goodbye response before hanging up anyway (default 15 000 ms). */
  goodbyeTimeoutMs?: number;
  /** Safety net for tool results behind the main thread's own deadline (default 30 000 ms). */
  toolTimeoutMs?: number;
  /** Bound on opening and on configuring the model session, each (default 5000 ms). */
  connectTimeoutMs?: number;
  /** Pipeline: longest wait for the LLM's first token (default 8000 ms). */
  llmTimeoutMs?: number;
  /** Pipeline: longest wait for a sentence's first TTS audio (default 5000 ms). */
  ttsTimeoutMs?: number;
  /** Pipeline: a Deepgram KeepAlive after this long without audio (Deepgram closes a stream after 10 s). */
  sttKeepAliveMs?: number;
  /**
   * Realtime: caller audio the model does not need at once (silence well after the caller's
   * voice) goes in appends of up to this many ms (default 60; 20 = every frame on its own).
   * Each append is a WebSocket frame and a system call, a large share of a media worker's CPU.
   */
  inputBatchMs?: number;
  /**
   * Realtime: unvoiced audio still sent frame by frame after the caller's voice, beyond the turn's
   * silence duration (default 500 ms on top of `turnDetection.silenceDurationMs`, itself 500 when unset):
   * the provider ends the turn on that silence, so it is never held back.
   */
  inputQuietMarginMs?: number;
}

export const AGENT_LOGIC_DEFAULTS: Required<AgentLogicOptions> = {
  watchdogMs: 20_000,
  goodbyeTimeoutMs: 15_000,
  toolTimeoutMs: 30_000,
  connectTimeoutMs: 5000,
  llmTimeoutMs: 8000,
  ttsTimeoutMs: 5000,
  sttKeepAliveMs: 5000,
  inputBatchMs: 60,
  inputQuietMarginMs: 500,
};

/** Keeps the positive finite numbers of an options object (it crossed a thread: trust nothing). */
export function numericOptions(value: unknown): Partial<AgentLogicOptions> {
  if (value === null || typeof value !== 'object') return {};
  const out: Partial<AgentLogicOptions> = {};
  for (const key of Object.keys(AGENT_LOGIC_DEFAULTS) as (keyof AgentLogicOptions)[]) {
    const v = (value as Record<string, unknown>)[key];
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0) out[key] = v;
  }
  return out;
}
