/**
 * RFC 3261 Table 4 timer values, derived from T1/T2/T4 in one place (§17, RFC 6026 §8.11).
 * Reliable transports get 0 for the wait-for-retransmission timers D, I, J and K (§17.1.1.2,
 * §17.1.2.2, §17.2.1, §17.2.2) and never arm the retransmission timers A, E and G.
 */

export interface TimerConfig {
  /** RTT estimate, default 500 ms (§17.1.1.1). */
  t1: number;
  /** Maximum retransmit interval for non-INVITE requests and INVITE responses, default 4 s. */
  t2: number;
  /** Maximum time a message stays in the network, default 5 s. */
  t4: number;
  /**
   * How long an INVITE server transaction waits for the TU's own first response before it sends
   * 100 Trying, default 80 ms (§17.2.1 allows 200 ms). A request refused at once (403 to an
   * unknown source) is then answered without a 100 first.
   */
  trying: number;
}

export const DEFAULT_TIMERS: Readonly<TimerConfig> = { t1: 500, t2: 4000, t4: 5000, trying: 80 };

export function resolveTimers(partial?: Partial<TimerConfig>): TimerConfig {
  return { ...DEFAULT_TIMERS, ...partial };
}

/** Timer B, F, H, J (unreliable), L, M, and the 2xx-retransmission / ACK wait: 64·T1. */
export function transactionTimeout(cfg: TimerConfig): number {
  return 64 * cfg.t1;
}

/** Timer D: at least 32 s for unreliable transports, 0 for reliable (§17.1.1.2). */
export function timerD(cfg: TimerConfig, reliable: boolean): number {
  return reliable ? 0 : Math.max(32_000, 64 * cfg.t1);
}

/** Timers I and K: T4 for unreliable transports, 0 for reliable (§17.2.1, §17.1.2.2). */
export function timerT4Wait(cfg: TimerConfig, reliable: boolean): number {
  return reliable ? 0 : cfg.t4;
}

/** Timer J: 64·T1 for unreliable transports, 0 for reliable (§17.2.2). */
export function timerJ(cfg: TimerConfig, reliable: boolean): number {
  return reliable ? 0 : 64 * cfg.t1;
}

/** Next retransmit interval for Timers E and G: doubles, capped at T2 (§17.1.2.2, §17.2.1). */
export function backoffCapped(cfg: TimerConfig, previous: number): number {
  return Math.min(previous * 2, cfg.t2);
}
