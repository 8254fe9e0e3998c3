/**
 * When the agent of an outbound call starts to talk (issue #9): people pick up and say "Hello?",
 * and an agent that talks over it — or waits for more — is the top complaint about AI outbound
 * calls. The greeting goes out once the callee's short greeting is over (a pause after speech),
 * or after a second of silence if they say nothing; never later than a hard cap.
 */
import type { TimeSource } from '../clock/time.js';

export interface GreetingGateTimings {
  /** Silence from the answer after which the agent speaks (the callee says nothing). */
  silenceMs: number;
  /** A pause after the callee's speech that ends their greeting. */
  pauseMs: number;
  /** The agent speaks by now whatever the callee does (voicemail detection covers the rest). */
  maxWaitMs: number;
}

export const GREETING_GATE_DEFAULTS: GreetingGateTimings = { silenceMs: 1000, pauseMs: 300, maxWaitMs: 3000 };

const FRAME_MS = 20;

export class GreetingGate {
  private opened = false;
  private heardSpeech = false;
  private quietMs = 0;
  private readonly timers: unknown[] = [];

  constructor(
    private readonly time: TimeSource,
    private readonly open: () => void,
    private readonly timings: GreetingGateTimings = GREETING_GATE_DEFAULTS,
  ) {}

  /** The call was answered: the waiting starts. */
  start(): void {
    this.timers.push(this.time.setTimer(() => !this.heardSpeech && this.release(), this.timings.silenceMs));
    this.timers.push(this.time.setTimer(() => this.release(), this.timings.maxWaitMs));
  }

  /** One 20 ms frame of the callee's audio and whether it held speech. */
  frame(voiced: boolean): void {
    if (this.opened) return;
    if (voiced) {
      this.heardSpeech = true;
      this.quietMs = 0;
      return;
    }
    if (!this.heardSpeech) return;
    this.quietMs += FRAME_MS;
    if (this.quietMs >= this.timings.pauseMs) this.release();
  }

  get isOpen(): boolean {
    return this.opened;
  }

  stop(): void {
    for (const timer of this.timers) this.time.clearTimer(timer);
  }

  private release(): void {
    if (this.opened) return;
    this.opened = true;
    this.stop();
    this.open();
  }
}
