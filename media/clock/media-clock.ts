/**
 * The media clock: one per worker thread, one timer for every call in it. Slots are deadlines on
 * a monotonic baseline (slot n is due at t0 + n·period), never `setInterval(20)`, which drifts
 * (sip-media.md §3.3). After a stall it sends at most `maxBurst` overdue slots and skips the rest,
 * telling each target how many slots it skipped so RTP timestamps stay on the media clock instead
 * of a burst of packets reaching the caller's jitter buffer at once.
 */
import { Histogram, type HistogramSnapshot } from './histogram.js';
import { systemTime, type TimeSource } from './time.js';

/** Something that sends one frame per slot (a call's outbound stream). */
export interface ClockTarget {
  /**
   * Slot due now. `skipped` slots before it were dropped (advance the RTP timestamp by them);
   * `now` is the clock's reading for this wake.
   */
  onTick(now: number, skipped: number): void;
}

export interface MediaClockOptions {
  /** Slot length in ms (default 20: one G.711 frame). */
  periodMs?: number;
  /** Overdue slots sent back to back after a late wake before the rest are skipped (default 2). */
  maxBurst?: number;
  /**
   * Wake this much before the deadline and spin to it (default 1). The benchmark at 200 calls on
   * one worker: frame deviation p99 1.75 ms with it, 4.25 ms without, for about 3 % of a core
   * per worker (README, media). 0 relies on the timer alone.
   */
  earlyWakeMs?: number;
  /** A tick whose deviation exceeds this counts as late (default 5 ms). */
  lateThresholdMs?: number;
  time?: TimeSource;
}

export interface ClockStats {
  running: boolean;
  targets: number;
  ticks: number;
  /** Frames sent more than `lateThresholdMs` off their deadline. */
  lateTicks: number;
  /** Slots dropped after stalls. */
  skippedSlots: number;
  /** Wakes that served more than one slot. */
  burstTicks: number;
  /** Exceptions thrown by targets (each is caught so the other calls keep their cadence). */
  targetErrors: number;
  /** |wake time − deadline| per served slot, ms. */
  deviation: HistogramSnapshot;
  /**
   * Per call frame: time its target returned − the slot's deadline, ms. Later calls in a busy
   * wake send later; this is the send-time deviation the caller sees (plus the network).
   */
  frameDeviation: HistogramSnapshot;
  /** Time spent inside one wake running every target, ms. */
  work: HistogramSnapshot;
}

/** Identical consecutive reads after which a spin gives up (performance.now() moves every read). */
const STUCK_READS = 100;

export class MediaClock {
  private readonly period: number;
  private readonly maxBurst: number;
  private readonly earlyWake: number;
  private readonly lateThreshold: number;
  private readonly time: TimeSource;
  private readonly targets: ClockTarget[] = [];
  private readonly pendingRemovals: ClockTarget[] = [];
  private ticking = false;
  private timer: unknown = null;
  private t0 = 0;
  /** Index of the next slot to serve, and its deadline. */
  private slot = 0;
  private nextDue = Infinity;
  private ticks = 0;
  private lateTicks = 0;
  private skippedSlots = 0;
  private burstTicks = 0;
  private targetErrors = 0;
  private readonly deviation = new Histogram(0.25, 100);
  private readonly frameDeviation = new Histogram(0.25, 100);
  private readonly work = new Histogram(0.05, 20);
  private readonly onTimer = (): void => this.wake();

  constructor(options: MediaClockOptions = {}) {
    this.period = options.periodMs ?? 20;
    this.maxBurst = Math.max(1, options.maxBurst ?? 2);
    this.earlyWake = Math.max(0, options.earlyWakeMs ?? 1);
    this.lateThreshold = options.lateThresholdMs ?? 5;
    this.time = options.time ?? systemTime;
  }

  get running(): boolean {
    return this.timer !== null;
  }

  get size(): number {
    return this.targets.length - this.pendingRemovals.length;
  }

  /** Adds a target; the clock starts itself with the first one. */
  add(target: ClockTarget): void {
    const pending = this.pendingRemovals.indexOf(target);
    if (pending >= 0) this.pendingRemovals.splice(pending, 1);
    else if (!this.targets.includes(target)) this.targets.push(target);
    if (!this.running) this.start();
  }

  /** Removes a target (safe inside its own `onTick`); the clock stops with the last one. */
  remove(target: ClockTarget): void {
    if (this.ticking) {
      if (this.targets.includes(target) && !this.pendingRemovals.includes(target)) this.pendingRemovals.push(target);
      return;
    }
    const i = this.targets.indexOf(target);
    if (i >= 0) this.targets.splice(i, 1);
    if (this.targets.length === 0) this.stop();
  }

  start(): void {
    if (this.running) return;
    this.t0 = this.time.now();
    this.slot = 1;
    this.arm(this.t0);
  }

  stop(): void {
    if (this.timer !== null) this.time.clearTimer(this.timer);
    this.timer = null;
  }

  stats(): ClockStats {
    return {
      running: this.running,
      targets: this.size,
      ticks: this.ticks,
      lateTicks: this.lateTicks,
      skippedSlots: this.skippedSlots,
      burstTicks: this.burstTicks,
      targetErrors: this.targetErrors,
      deviation: this.deviation.snapshot(),
      frameDeviation: this.frameDeviation.snapshot(),
      work: this.work.snapshot(),
    };
  }

  /** Clears counters and histograms (the benchmark measures windows). */
  resetStats(): void {
    this.ticks = this.lateTicks = this.skippedSlots = this.burstTicks = this.targetErrors = 0;
    this.deviation.reset();
    this.frameDeviation.reset();
    this.work.reset();
  }

  private deadline(slot: number): number {
    return this.t0 + slot * this.period;
  }

  private arm(now: number, early = this.earlyWake): void {
    this.nextDue = this.deadline(this.slot);
    const wait = this.nextDue - now - early;
    this.timer = this.time.setTimer(this.onTimer, wait > 0 ? wait : 0);
  }

  /**
   * An I/O callback read the time (every RTP packet does): if a slot is due, serve it now. Under
   * load the event loop runs a long batch of socket callbacks before it gets back to timers, so
   * the timer alone would send late; this bounds lateness by one packet's processing instead.
   */
  poll(now: number): void {
    if (this.ticking || this.timer === null || now < this.nextDue) return;
    this.time.clearTimer(this.timer);
    this.serve(now);
  }

  private wake(): void {
    let now = this.time.now();
    const due = this.nextDue;
    if (now < due) {
      // Timers also fire up to ~1 ms early by themselves (libuv rounds to whole ms from a cached
      // loop time): spin only over the last stretch, otherwise wait again.
      if (this.earlyWake > 0 && due - now <= this.earlyWake + 1) now = this.spinUntil(due, now);
      if (now < due) return this.arm(now, 0);
    }
    this.serve(now);
  }

  /** Busy-waits to `due`; gives up on a clock that stops moving (a fake clock in tests). */
  private spinUntil(due: number, now: number): number {
    let same = 0;
    while (now < due && same < STUCK_READS) {
      const next = this.time.now();
      same = next === now ? same + 1 : 0;
      now = next;
    }
    return now;
  }

  private serve(now: number): void {    // max(): float rounding must not turn a due slot into "not yet due".
    const lastDue = Math.max(this.slot, Math.floor((now - this.t0) / this.period));
    const overdue = lastDue - this.slot + 1;
    const serve = overdue > this.maxBurst ? this.maxBurst : overdue;
    const skipped = overdue - serve;
    this.skippedSlots += skipped;
    if (serve > 1) this.burstTicks++;
    const started = now;
    for (let i = 0; i < serve; i++) {
      const deadline = this.deadline(lastDue - serve + 1 + i);
      this.record(now - deadline);
      this.runTargets(now, i === 0 ? skipped : 0, deadline);
    }
    this.work.record(this.time.now() - started);
    this.slot = lastDue + 1;
    if (this.targets.length > 0) this.arm(this.time.now());
    else this.timer = null;
  }

  private record(deviation: number): void {
    const abs = deviation < 0 ? -deviation : deviation;
    this.deviation.record(abs);
    this.ticks++;
    if (abs > this.lateThreshold) this.lateTicks++;
  }

  private runTargets(now: number, skipped: number, deadline: number): void {
    this.ticking = true;
    const targets = this.targets;
    for (let i = 0; i < targets.length; i++) {
      try {
        targets[i].onTick(now, skipped);
        this.frameDeviation.record(this.time.now() - deadline);
      } catch {
        // A broken target must not silence every other call in the worker; counted, and its
        // owner notices through its own counters and the no-media timer.
        this.targetErrors++;
      }
    }
    this.ticking = false;
    this.applyRemovals();
  }

  private applyRemovals(): void {
    if (this.pendingRemovals.length === 0) return;
    for (const target of this.pendingRemovals) {
      const i = this.targets.indexOf(target);
      if (i >= 0) this.targets.splice(i, 1);
    }
    this.pendingRemovals.length = 0;
  }
}
