/**
 * Overload control for new INVITEs (RFC 3261 §21.5.4, RFC 7339's motivation): past capacity a UA
 * that keeps accepting calls makes every call late (2xx retransmitted before the ACK is read,
 * BYEs timing out) and collapses. Instead, while the process is saturated, a share of new INVITEs
 * is refused with 503 and Retry-After, cheaply (no dialog, no SDP), so the calls accepted still
 * complete. In-dialog requests (ACK, BYE, re-INVITE) are never refused: they finish calls.
 *
 * Saturation is measured, not configured as a rate: every `windowMs` the event-loop utilisation
 * (share of time the loop was busy) and the loop's delay (how late this window's timer fired).
 * The refused share follows utilisation (more refused while busier than the limit, fewer once
 * below); a stall (delay over its limit) refuses everything for as long as it lasted.
 */
import { performance, type EventLoopUtilization } from 'node:perf_hooks';

export interface OverloadOptions {
  /** Event-loop utilisation (0–1) above which the process counts as saturated (default 0.85). */
  maxUtilization?: number;
  /** Event-loop delay in ms above which the process counts as saturated (default 100). */
  maxLoopDelayMs?: number;
  /** Retry-After seconds in the 503 (default 5). */
  retryAfterSeconds?: number;
  /** Measuring window (default 100 ms). */
  windowMs?: number;
}

export interface OverloadStats {
  /** New INVITEs refused with 503 because of overload. */
  refused: number;
  /** The share (0–1) of new INVITEs being refused now. */
  shedding: number;
  /** The last window's event-loop utilisation and delay. */
  utilization: number;
  loopDelayMs: number;
}

/** Refused share (in %) added per window per unit of utilisation above the limit (and taken off below it). */
const GAIN = 200;
/** Refused share added per swallowed window during a stall (loop delay over its limit). */
const STALL_STEP = 10;
export class OverloadGuard {
  private readonly maxUtilization: number;
  private readonly maxLoopDelayMs: number;
  private readonly windowMs: number;
  readonly retryAfter: string;
  private timer: NodeJS.Timeout | undefined;
  private lastElu: EventLoopUtilization = performance.eventLoopUtilization();
  private lastTick = performance.now();
  /** Refused share in % (integers: no drift). */
  private pressure = 0;
  /** After a stall, refuse everything until then: the backlog a stall leaves takes as long to drain. */
  private holdUntil = 0;
  private refused = 0;
  private utilization = 0;
  private loopDelayMs = 0;

  constructor(
    options: OverloadOptions,
    private readonly random: () => number = Math.random,
  ) {
    this.maxUtilization = options.maxUtilization ?? 0.85;
    this.maxLoopDelayMs = options.maxLoopDelayMs ?? 100;
    this.windowMs = options.windowMs ?? 100;
    this.retryAfter = String(options.retryAfterSeconds ?? 5);
  }

  start(): void {
    if (this.timer) return;
    this.lastElu = performance.eventLoopUtilization();
    this.lastTick = performance.now();
    this.timer = setInterval(() => this.sample(), this.windowMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** True when this new INVITE should be refused (counted as refused). */
  shouldRefuse(): boolean {
    const share = this.shedding;
    const refuse = share > 0 && (share >= 1 || this.random() < share);
    if (refuse) this.refused++;
    return refuse;
  }

  stats(): OverloadStats {
    return { refused: this.refused, shedding: this.shedding, utilization: this.utilization, loopDelayMs: this.loopDelayMs };
  }

  private get shedding(): number {
    return this.pressure / 100;
  }

  /** @internal One window: measure, then raise or lower the refused share. */
  sample(): void {
    const now = performance.now();
    const elu = performance.eventLoopUtilization();
    this.utilization = performance.eventLoopUtilization(elu, this.lastElu).utilization;
    this.loopDelayMs = Math.max(0, now - this.lastTick - this.windowMs);
    this.lastElu = elu;
    this.lastTick = now;
    if (this.loopDelayMs > this.maxLoopDelayMs) {
      // A stall counts once per window it swallowed (a 1 s block is ten windows, not one), and
      // everything is refused for as long again.
      this.holdUntil = now + this.loopDelayMs;
      this.adjust(0, 1 + Math.floor(this.loopDelayMs / this.windowMs));
    } else if (now >= this.holdUntil) this.adjust(this.utilization);
  }

  /**
   * @internal Proportional control of the refused share on utilisation: it grows while the loop
   * is busier than `maxUtilization` and shrinks (as fast) once it is less busy. `stalledWindows`
   * > 0 adds a step per window a stall swallowed.
   */
  adjust(utilization: number, stalledWindows = 0): void {
    const change = stalledWindows > 0 ? STALL_STEP * stalledWindows : Math.round(GAIN * (utilization - this.maxUtilization));
    this.pressure = Math.max(0, Math.min(100, this.pressure + change));
  }
}
