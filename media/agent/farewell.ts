/**
 * Ending the call after the last words were heard: `end_call`, `say` with `endAfter`, the
 * `end-call` control with a message, the voicemail message, the silence goodbye and the provider
 * apology all wait for their response to finish and its audio to leave the playout queue, then
 * request the hang-up. Every wait is bounded (STYLE §12, pipecat#3566: a goodbye must never keep a
 * call open), and the hang-up is requested exactly once.
 *
 * States: idle → awaiting-response (the goodbye is being generated) → draining (its audio plays)
 * → done. `now()` goes straight to done.
 */
import type { TimeSource } from '../clock/time.js';

export interface HangupRequest {
  reason: string;
  error?: { code: string; message: string };
}

export interface FarewellDeps {
  time: TimeSource;
  /** Agent audio still queued for the caller, ms. */
  queuedMs(): number;
  hangup(request: HangupRequest): void;
  /** Longest wait for the goodbye response to finish (default 15 s). */
  responseTimeoutMs: number;
  /** Added to the queued audio when bounding the drain, ms. */
  drainSlackMs: number;
}

type State = 'idle' | 'awaiting-response' | 'draining' | 'done';

export class Farewell {
  private state: State = 'idle';
  private request: HangupRequest | null = null;
  /** The response whose end we wait for; null while it has not started yet. */
  private target: string | null = null;
  private timer: unknown = null;

  constructor(private readonly deps: FarewellDeps) {}

  /** The call is ending (a goodbye is on its way or the hang-up was requested). */
  get closing(): boolean {
    return this.state !== 'idle';
  }

  get done(): boolean {
    return this.state === 'done';
  }

  /** Hang up at once. */
  now(request: HangupRequest): void {
    if (this.state === 'done') return;
    this.request = request;
    this.finish();
  }

  /** Hang up once response `responseId` (null: the next one we are told of) is done and heard. */
  afterResponse(request: HangupRequest, responseId: string | null): void {
    if (this.state === 'done') return;
    this.request = request;
    this.target = responseId;
    this.state = 'awaiting-response';
    this.arm(this.deps.responseTimeoutMs);
  }

  /** Hang up once what is queued now has been heard. */
  afterDrain(request: HangupRequest): void {
    if (this.state === 'done') return;
    this.request = request;
    this.drain();
  }

  /** The goodbye's response started (its id is known only now). */
  expect(responseId: string): void {
    if (this.state === 'awaiting-response') this.target = responseId;
  }

  responseDone(responseId: string): void {
    if (this.state === 'awaiting-response' && this.target === responseId) this.drain();
  }

  /** The playout queue ran dry. */
  drained(): void {
    if (this.state === 'draining' && this.deps.queuedMs() === 0) this.finish();
  }

  /** No response will come any more (the session failed or refused): wait only for the audio. */
  responseLost(): void {
    if (this.state === 'awaiting-response') this.drain();
  }

  cancelTimers(): void {
    this.disarm();
  }

  private drain(): void {
    this.state = 'draining';
    const queued = this.deps.queuedMs();
    if (queued === 0) return this.finish();
    this.arm(queued + this.deps.drainSlackMs);
  }

  private finish(): void {
    this.disarm();
    this.state = 'done';
    const request = this.request ?? { reason: 'agent-hangup' };
    this.deps.hangup(request);
  }

  private arm(ms: number): void {
    this.disarm();
    this.timer = this.deps.time.setTimer(() => {
      this.timer = null;
      if (this.state === 'awaiting-response') this.drain();
      else if (this.state === 'draining') this.finish();
    }, ms);
  }

  private disarm(): void {
    if (this.timer !== null) this.deps.time.clearTimer(this.timer);
    this.timer = null;
  }
}
