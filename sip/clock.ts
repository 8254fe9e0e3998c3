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

/** Timers at least this long go to the coarse wheel (RFC 3261 Timers B, F, H, J, L: 32 s). */
const COARSE_MIN_MS = 1000;
/** Granularity of the coarse wheel: such timers fire up to this much late. */
const COARSE_SLOT_MS = 100;

interface CoarseTimer {
  fn: (() => void) | undefined;
  slot: CoarseSlot;
  /** Position in `slot.timers`, so that clearing takes the timer out at once. */
  index: number;
}

interface CoarseSlot {
  due: number;
  timers: CoarseTimer[];
  node: ReturnType<typeof setTimeout> | undefined;
  firing: boolean;
}

/**
 * Wall-clock timers on the Node event loop; `unref`ed so pending SIP timers never keep a process
 * alive. Long timers (≥ 1 s) share one Node timer per 100 ms slot: a UA at thousands of calls per
 * second holds tens of thousands of 32 s transaction timers, and a Node timer each would cost a
 * wakeup each; a slot fires them together, at most 100 ms late (the RFC values are minimums).
 * A cleared timer leaves its slot at once (most long timers are cleared: the 180 s INVITE guard,
 * the 2xx's ACK wait), and a slot left empty cancels its Node timer.
 */
export class RealClock implements Clock {
  private readonly slots = new Map<number, CoarseSlot>();

  now(): number {
    return performance.now();
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    if (ms >= COARSE_MIN_MS) return this.setCoarse(ms, fn);
    const handle = setTimeout(fn, Math.max(0, ms));
    handle.unref();
    return handle;
  }

  clearTimer(handle: TimerHandle | undefined): void {
    if (!handle) return;
    if ('slot' in handle) return this.clearCoarse(handle as CoarseTimer);
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  }

  private setCoarse(ms: number, fn: () => void): CoarseTimer {
    const now = performance.now();
    const due = Math.ceil((now + ms) / COARSE_SLOT_MS) * COARSE_SLOT_MS;
    let slot = this.slots.get(due);
    if (!slot) {
      const created: CoarseSlot = { due, timers: [], node: undefined, firing: false };
      created.node = setTimeout(() => this.fire(created), due - now).unref();
      this.slots.set(due, created);
      slot = created;
    }
    const timer: CoarseTimer = { fn, slot, index: slot.timers.length };
    slot.timers.push(timer);
    return timer;
  }

  private clearCoarse(timer: CoarseTimer): void {
    if (!timer.fn) return;
    timer.fn = undefined;
    const slot = timer.slot;
    if (slot.firing) return; // fire() skips it; the slot goes as a whole
    // Swap-remove: the last timer takes the cleared one's place.
    const last = slot.timers.pop()!;
    if (last !== timer) {
      last.index = timer.index;
      slot.timers[timer.index] = last;
    }
    if (slot.timers.length === 0) {
      clearTimeout(slot.node);
      this.slots.delete(slot.due);
    }
  }

  private fire(slot: CoarseSlot): void {
    this.slots.delete(slot.due);
    slot.firing = true;
    for (const timer of slot.timers) {
      const fn = timer.fn;
      if (!fn) continue;
      timer.fn = undefined;
      try {
        fn();
      } catch (err) {
        // Same as a throwing setTimeout callback: an uncaught exception, but after the whole
        // slot has run, so one bad timer does not swallow the others.
        queueMicrotask(() => {
          throw err;
        });
      }
    }
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
      this.time = Math.max(this.time, next.due); // a timer overdue after `stall` fires late
      next.fn();
    }
    this.time = target;
  }

  /** Time passes without firing anything, as when the event loop is blocked; `advance` then fires the overdue timers late. */
  stall(ms: number): void {
    this.time += ms;
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
