/**
 * Autonomous silence handling (flireo-api B §5.3). The call is quiet while neither side speaks:
 * no caller speech, no agent audio queued, no response or tool call under way. After
 * `firstCheckMs` of quiet the model is asked to check in, then after every further `intervalMs`
 * of quiet, at most `maxPrompts` times; the next quiet period ends the call. Caller speech resets
 * the count. Time comes from an injected `TimeSource`, so tests drive it.
 */
import type { TimeSource } from '../clock/time.js';
import type { AgentSilenceConfig } from './config.js';

/** Instructions for the check-ins, varied so the agent does not repeat itself word for word. */
export const SILENCE_CHECK_INSTRUCTIONS: readonly string[] = [
  'The caller has been quiet for a while. Briefly check whether they are still there, in the language of the conversation.',
  'The caller is still quiet. In one short sentence, let them know you are still here if they need anything.',
  'The caller has not said anything for some time. Ask once more, briefly, whether they are still on the line.',
];

/** Instructions for the goodbye when the agent has no `endCallMessage`. */
export const SILENCE_GOODBYE_INSTRUCTIONS =
  'The caller has not responded to several check-ins. Say a short, friendly goodbye in the language of the conversation, and nothing else.';

export function silenceCheckInstructions(prompt: number): string {
  return SILENCE_CHECK_INSTRUCTIONS[(prompt - 1) % SILENCE_CHECK_INSTRUCTIONS.length];
}

export interface SilenceActions {
  /** Ask the model to check in (`prompt` counts from 1). */
  checkIn(prompt: number): void;
  /** The caller stayed silent through every check-in: say goodbye and hang up. */
  giveUp(): void;
}

export class SilenceMonitor {
  private prompts = 0;
  private timer: unknown = null;
  private stopped: boolean;

  constructor(
    private readonly config: AgentSilenceConfig,
    private readonly time: TimeSource,
    private readonly actions: SilenceActions,
  ) {
    this.stopped = !config.enabled;
  }

  get promptsSent(): number {
    return this.prompts;
  }

  /** Quiet starts the timer (if it is not running); anything else stops it. */
  setQuiet(quiet: boolean): void {
    if (this.stopped) return;
    if (!quiet) return this.disarm();
    if (this.timer !== null) return;
    const ms = this.prompts === 0 ? this.config.firstCheckMs : this.config.intervalMs;
    this.timer = this.time.setTimer(() => this.expire(), ms);
  }

  /** The caller spoke: the count starts over. */
  callerSpoke(): void {
    this.prompts = 0;
    this.disarm();
  }

  stop(): void {
    this.stopped = true;
    this.disarm();
  }

  private expire(): void {
    this.timer = null;
    if (this.stopped) return;
    if (this.prompts < this.config.maxPrompts) {
      this.prompts++;
      this.actions.checkIn(this.prompts);
      return;
    }
    this.stop();
    this.actions.giveUp();
  }

  private disarm(): void {
    if (this.timer !== null) this.time.clearTimer(this.timer);
    this.timer = null;
  }
}
