/**
 * The one source of time for `sip/`. Every timer of every layer (RFC 3261 Timers A–K, RFC 6026
 * L/M, 2xx retransmission, session timers, registration refresh, idle connections) is set through
 * a `Clock` passed in by the owner, so tests drive them with `FakeClock.advance()` instead of
 * waiting or patching globals.
 */

/** Opaque handle returned by `setTimer`; pass it back to `clearTimer`. */
export type TimerHandle = object;

export interface Clock {
  /** Monotonic milliseconds; only differences are meaningful. */
  now(): number;
  setTimer(ms: number, fn: () => void): TimerHandle;
  clearTimer(handle: TimerHandle | undefined): void;
}

/** Wall-clock timers on the Node event loop; `unref`ed so pending SIP timers never keep a process alive. */
export class RealClock implements Clock {
  now(): number {
    return performance.now();
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const handle = setTimeout(fn, Math.max(0, ms));
    handle.unref();
    return handle;
  }

  clearTimer(handle: TimerHandle | undefined): void {
    if (handle) clearTimeout(handle as ReturnType<typeof setTimeout>);
  }
}

export const realClock: Clock = new RealClock();

interface FakeTimer {
  id: number;
  due: number;
  fn: () => void;
}

/**
 * Deterministic clock for tests. Timers fire only inside `advance()`, in due order (ties in the
 * order they were set), and a timer set while advancing fires in the same call if it falls due.
 */
export class FakeClock implements Clock {
  private time = 0;
  private nextId = 1;
  private readonly timers = new Map<number, FakeTimer>();

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const timer: FakeTimer = { id: this.nextId++, due: this.time + Math.max(0, ms), fn };
    this.timers.set(timer.id, timer);
    return { id: timer.id };
  }

  clearTimer(handle: TimerHandle | undefined): void {
    if (handle && 'id' in handle) this.timers.delete((handle as { id: number }).id);
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    const target = this.time + ms;
    for (;;) {
      const next = this.earliestDue(target);
      if (!next) break;
      this.timers.delete(next.id);
      this.time = next.due;
      next.fn();
    }
    this.time = target;
  }

  /** Number of armed timers (tests use it to check that nothing is left behind). */
  pending(): number {
    return this.timers.size;
  }

  private earliestDue(limit: number): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const t of this.timers.values()) {
      if (t.due > limit) continue;
      if (!best || t.due < best.due || (t.due === best.due && t.id < best.id)) best = t;
    }
    return best;
  }
}
