/**
 * RFC 4733 receiver: one digit per event. An event is identified by its RTP timestamp (§2.5.1.2:
 * every packet of an event repeats the timestamp of its start), so a new timestamp is a new digit
 * even for the same key, and the three retransmitted end packets (§2.5.1.4) are recognised and
 * dropped. An event whose end packets were all lost ends when the next event starts or after
 * `timeoutMs` without packets.
 */

import { tsDiff } from '../rtp/packet.js';
import { createTelephoneEvent, dtmfDigit, parseTelephoneEvent, type DtmfDigit } from './events.js';

export type DtmfEndReason = 'end-bit' | 'new-event' | 'timeout';

export interface DtmfReceiverHandler {
  /** Once per event, on its first packet: the lowest-latency moment to act on a key press. */
  onDigit(digit: DtmfDigit, rtpTimestamp: number): void;
  /** Once per event, when it ends. */
  onDigitEnd?(digit: DtmfDigit, durationMs: number, endedBy: DtmfEndReason): void;
}

export interface DtmfReceiverOptions {
  /** telephone-event clock rate from SDP (default 8000). */
  clockRate?: number;
  /** End an event after this long without its packets (default 300 ms). */
  timeoutMs?: number;
}

export interface DtmfReceiverStats {
  digits: number;
  /** Retransmitted end packets and repeats of ended events, dropped. */
  duplicates: number;
  /** Events ended by timeout or by the next event (their end packets never came). */
  missingEnds: number;
  /** Payloads too short, unknown event codes, or packets of an older event. */
  ignored: number;
}

export class DtmfReceiver {
  readonly stats: DtmfReceiverStats = { digits: 0, duplicates: 0, missingEnds: 0, ignored: 0 };
  private readonly clockRate: number;
  private readonly timeoutMs: number;
  private readonly event = createTelephoneEvent();
  private active = false; // an event has started and not ended
  private haveLast = false; // `timestamp` holds the last event seen (active or ended)
  private timestamp = 0;
  private digit: DtmfDigit = '0';
  private duration = 0;
  private lastPacketMs = 0;

  constructor(
    private readonly handler: DtmfReceiverHandler,
    options: DtmfReceiverOptions = {},
  ) {
    this.clockRate = options.clockRate ?? 8000;
    this.timeoutMs = options.timeoutMs ?? 300;
  }

  /** Offer one telephone-event packet's payload with its RTP timestamp, at `nowMs` (monotonic). */
  push(payload: Uint8Array, rtpTimestamp: number, nowMs: number): void {
    const e = this.event;
    const digit = parseTelephoneEvent(payload, e) ? dtmfDigit(e.event) : undefined;
    if (digit === undefined) {
      this.stats.ignored++;
      return;
    }
    if (this.haveLast && rtpTimestamp === this.timestamp) {
      this.continueEvent(e.end, e.duration, nowMs);
      return;
    }
    if (this.haveLast && tsDiff(rtpTimestamp, this.timestamp) < 0) {
      this.stats.ignored++; // a straggler from an event before the current one
      return;
    }
    if (this.active) this.end('new-event');
    this.startEvent(digit, rtpTimestamp, e.duration, nowMs);
    if (e.end) this.end('end-bit');
  }

  /** End an event whose packets stopped coming. Call from the worker clock. */
  tick(nowMs: number): void {
    if (this.active && nowMs - this.lastPacketMs >= this.timeoutMs) this.end('timeout');
  }

  /** Forget the current event without reporting its end (stream swapped). */
  reset(): void {
    this.active = false;
    this.haveLast = false;
  }

  private startEvent(digit: DtmfDigit, rtpTimestamp: number, duration: number, nowMs: number): void {
    this.active = true;
    this.haveLast = true;
    this.timestamp = rtpTimestamp;
    this.digit = digit;
    this.duration = duration;
    this.lastPacketMs = nowMs;
    this.stats.digits++;
    this.handler.onDigit(digit, rtpTimestamp);
  }

  private continueEvent(end: boolean, duration: number, nowMs: number): void {
    if (!this.active) {
      this.stats.duplicates++; // §2.5.1.4: the end packet is sent three times
      return;
    }
    if (duration > this.duration) this.duration = duration;
    this.lastPacketMs = nowMs;
    if (end) this.end('end-bit');
  }

  private end(reason: DtmfEndReason): void {
    this.active = false;
    if (reason !== 'end-bit') this.stats.missingEnds++;
    this.handler.onDigitEnd?.(this.digit, (this.duration * 1000) / this.clockRate, reason);
  }
}
