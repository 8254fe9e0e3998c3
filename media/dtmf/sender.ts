/**
 * RFC 4733 sender: the packet sequence for one digit. Every packet carries the event's start
 * timestamp (§2.5.1.2) and the duration so far, growing by one packet interval per packet; the
 * first has the marker bit (§2.5.1.1 via RFC 3550 §5.1); the final duration is sent three times
 * with the E bit (§2.5.1.4). The caller sends one payload per media-clock tick and advances its
 * audio timestamp by `durationUnits` afterwards.
 */

import { TELEPHONE_EVENT_PAYLOAD_SIZE, dtmfEventCode, writeTelephoneEvent } from './events.js';

export interface DtmfSenderOptions {
  /** telephone-event clock rate (default 8000). */
  clockRate?: number;
  /** Interval between packets in ms (default 20, the audio ptime). */
  packetMs?: number;
  /** Tone duration in ms (default 100; ITU-T Q.24 receivers need ≥ 40 ms). */
  durationMs?: number;
  /** Level as −dBm0 (default 10). */
  volume?: number;
}

const END_REPEATS = 3;

export class DtmfSender {
  /** RTP timestamp every packet of the current event carries. */
  timestamp = 0;
  /** Marker bit for the packet just written. */
  marker = false;
  /** Whole event duration in RTP units: how far the audio timestamp moves past it. */
  durationUnits = 0;
  private readonly step: number;
  private readonly volume: number;
  private readonly durationMs: number;
  private readonly clockRate: number;
  private event = 0;
  private sent = 0;
  private tonePackets = 0;

  constructor(options: DtmfSenderOptions = {}) {
    this.clockRate = options.clockRate ?? 8000;
    this.step = Math.round(((options.packetMs ?? 20) * this.clockRate) / 1000);
    this.durationMs = options.durationMs ?? 100;
    this.volume = options.volume ?? 10;
  }

  /** True while packets of the current event remain. */
  get active(): boolean {
    return this.sent < this.tonePackets + END_REPEATS && this.tonePackets > 0;
  }

  /** Packets the current event takes in all (tone packets + three end packets). */
  get totalPackets(): number {
    return this.tonePackets + END_REPEATS;
  }

  /** Begin a digit at `rtpTimestamp`. False (and nothing starts) for a character that is not an event. */
  start(digit: string, rtpTimestamp: number): boolean {
    const code = dtmfEventCode(digit);
    if (code < 0) return false;
    this.event = code;
    this.timestamp = rtpTimestamp >>> 0;
    const total = Math.max(this.step, Math.round((this.durationMs * this.clockRate) / 1000));
    this.tonePackets = Math.ceil(total / this.step);
    // Durations stay in the 16-bit field; a longer tone would need segments (§2.5.1.3).
    this.durationUnits = Math.min(0xffff, this.tonePackets * this.step);
    this.sent = 0;
    return true;
  }

  /**
   * Write the next 4-byte payload at `out[offset]`; returns 4, or 0 when the event is complete.
   * Read `marker` and `timestamp` for the RTP header.
   */
  next(out: Uint8Array, offset = 0): number {
    if (!this.active) return 0;
    const k = this.sent++;
    this.marker = k === 0;
    const end = k >= this.tonePackets;
    const duration = end ? this.durationUnits : Math.min(0xffff, (k + 1) * this.step);
    writeTelephoneEvent(out, offset, this.event, end, this.volume, duration);
    return TELEPHONE_EVENT_PAYLOAD_SIZE;
  }

  /** Cut the tone short: the next packets are the three end packets at the duration reached. */
  stop(): void {
    if (!this.active || this.sent >= this.tonePackets) return;
    this.tonePackets = Math.max(1, this.sent);
    this.durationUnits = Math.min(0xffff, this.tonePackets * this.step);
  }

  /** Abandon the current event without end packets (the call is gone). */
  cancel(): void {
    this.tonePackets = 0;
    this.sent = 0;
  }
}
