/**
 * Provider failure: no call may hang in silence (flireo-api A.3: "never silence"). A failed
 * connection is remembered at start and answered with the built-in apology once the call is
 * answered; a failure mid-call (fatal error, socket dropped, the watchdog below) flushes the
 * agent's audio and plays the apology at once. When the apology has been heard (bounded) the
 * worker asks for the hang-up with reason `provider-error` and the error.
 */
import type { TimeSource } from '../clock/time.js';
import type { Farewell } from './farewell.js';

export interface ProviderFault {
  /** Stable code: `provider/<RealtimeErrorCode>`, `provider/no_api_key`, `provider/no_response`. */
  code: string;
  message: string;
}

export const PROVIDER_ERROR_REASON = 'provider-error';

export interface FailureDeps {
  farewell: Farewell;
  /** Flushes the agent's audio and queues the apology prompt. */
  playApology(): void;
  /** The session is unusable: stop everything that waits on it. */
  onFault(fault: ProviderFault): void;
}

export class FailureHandler {
  private current: ProviderFault | null = null;
  private answered = false;

  constructor(private readonly deps: FailureDeps) {}

  get fault(): ProviderFault | null {
    return this.current;
  }

  /** Records the first fault; apologises now when the call is answered and not already ending. */
  fail(fault: ProviderFault): void {
    if (this.current || this.deps.farewell.done) return;
    this.current = fault;
    this.deps.onFault(fault);
    // A goodbye under way finishes with what is already queued; no apology on top of it.
    if (this.deps.farewell.closing) return this.deps.farewell.responseLost();
    if (this.answered) this.apologise();
  }

  answeredCall(): void {
    this.answered = true;
    if (this.current && !this.deps.farewell.closing) this.apologise();
  }

  private apologise(): void {
    this.deps.playApology();
    this.deps.farewell.afterDrain({ reason: PROVIDER_ERROR_REASON, error: { ...(this.current as ProviderFault) } });
  }
}

/**
 * Fires when the model neither spoke nor called a tool for `timeoutMs` after the caller finished
 * a turn or the runtime asked for a response: a provider that went quiet counts as failed.
 */
export class ProviderWatchdog {
  private timer: unknown = null;
  private stopped = false;

  constructor(
    private readonly time: TimeSource,
    private readonly timeoutMs: number,
    private readonly onTimeout: () => void,
  ) {}

  /** Starts waiting for the model, unless it is waited for already. */
  arm(): void {
    if (this.stopped || this.timer !== null || this.timeoutMs <= 0) return;
    this.timer = this.time.setTimer(() => {
      this.timer = null;
      if (!this.stopped) this.onTimeout();
    }, this.timeoutMs);
  }

  /** The model showed life. */
  disarm(): void {
    if (this.timer !== null) this.time.clearTimer(this.timer);
    this.timer = null;
  }

  stop(): void {
    this.stopped = true;
    this.disarm();
  }
}
