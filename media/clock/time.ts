/**
 * Time as an input: the media clock, the no-media timer and RTCP scheduling read time only
 * through a `TimeSource`, so tests drive them with a fake clock instead of sleeping.
 */
import { performance } from 'node:perf_hooks';

export interface TimeSource {
  /** Monotonic milliseconds (fractional). Never the wall clock: NTP steps must not move audio. */
  now(): number;
  /** Runs `fn` once after about `ms`; returns a handle for `clearTimer`. */
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export const systemTime: TimeSource = {
  now: () => performance.now(),
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

interface FakeTimer {
  at: number;
  fn: () => void;
  id: number;
}

/** A manual clock for tests: time moves only in `advance()`, which fires due timers in order. */
export class FakeTime implements TimeSource {
  private current: number;
  private timers: FakeTimer[] = [];
  private nextId = 1;

  /**
   * `earlyMs` makes timers of 1 ms or more fire that much early, the way Node timers can
   * (whole-millisecond rounding from a cached loop time).
   */
  constructor(
    start = 1000,
    private readonly earlyMs = 0,
  ) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimer(fn: () => void, ms: number): unknown {
    const early = ms >= 1 ? this.earlyMs : 0;
    const timer = { at: this.current + Math.max(0, ms - early), fn, id: this.nextId++ };
    this.timers.push(timer);
    return timer.id;
  }

  clearTimer(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }

  get pendingTimers(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, firing each timer at its due time (timers may add timers). */
  advance(ms: number): void {
    const end = this.current + ms;
    for (;;) {
      const next = this.earliest();
      if (!next || next.at > end) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.current = Math.max(this.current, next.at);
      next.fn();
    }
    this.current = end;
  }

  /** Jumps time forward without firing anything: a stalled event loop. */
  stall(ms: number): void {
    this.current += ms;
  }

  private earliest(): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const t of this.timers) if (!best || t.at < best.at || (t.at === best.at && t.id < best.id)) best = t;
    return best;
  }
}
