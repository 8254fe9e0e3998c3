/**
 * RFC 4028 session timer of one dialog: when we are the refresher we send a refresh at half the
 * interval; when the peer is, we end the session with BYE if no refresh arrived in time (§10).
 */
import type { TimerHandle } from '../clock.js';
import { expiryDelayMs, refreshDelayMs } from '../dialog/session-timer.js';
import type { UaContext } from './context.js';

export interface SessionTimerHooks {
  /** Sends a refresh (re-INVITE or UPDATE); the hook re-arms the timer through `restart`. */
  refresh(): void;
  /** No refresh arrived in time: end the session. */
  expire(): void;
}

export class SessionTimer {
  private timer?: TimerHandle;
  private intervalSeconds = 0;
  private weRefresh = false;

  constructor(
    private readonly ctx: Pick<UaContext, 'clock'>,
    private readonly hooks: SessionTimerHooks,
  ) {}

  get active(): boolean {
    return this.timer !== undefined;
  }

  get interval(): number {
    return this.intervalSeconds;
  }

  get localRefresher(): boolean {
    return this.weRefresh;
  }

  /** (Re)starts the timer after a successful negotiation or refresh. */
  restart(intervalSeconds: number, weRefresh: boolean): void {
    this.stop();
    this.intervalSeconds = intervalSeconds;
    this.weRefresh = weRefresh;
    if (weRefresh) {
      this.timer = this.ctx.clock.setTimer(refreshDelayMs(intervalSeconds), () => {
        this.timer = undefined;
        // RFC 4028 §10: if no refresh succeeds, the session still expires at the full interval.
        this.timer = this.ctx.clock.setTimer(intervalSeconds * 1000 - refreshDelayMs(intervalSeconds), () => {
          this.timer = undefined;
          this.hooks.expire();
        });
        this.hooks.refresh();
      });
    } else {
      this.timer = this.ctx.clock.setTimer(expiryDelayMs(intervalSeconds), () => {
        this.timer = undefined;
        this.hooks.expire();
      });
    }
  }

  stop(): void {
    this.ctx.clock.clearTimer(this.timer);
    this.timer = undefined;
  }
}
