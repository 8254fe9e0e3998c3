/**
 * Per-source reception statistics for RTCP reception report blocks (RFC 3550 §6.4.1, A.3, A.8):
 * extended highest sequence number, cumulative and interval loss, inter-arrival jitter.
 * Plain numeric fields; updated once per packet without allocation.
 */

import { seqDiff } from '../rtp/packet.js';

/** The reception-report fields one source contributes (names match the RTCP report block). */
export interface ReceptionReport {
  ssrc: number;
  /** Fraction lost since the previous report, as the 8-bit fixed-point value of §6.4.1 (0–255). */
  fractionLost: number;
  /** Cumulative packets lost (expected − received, may be negative with duplicates), 24-bit signed. */
  cumulativeLost: number;
  /** Extended highest sequence number received (cycles << 16 | max seq). */
  highestSeq: number;
  /** Inter-arrival jitter in RTP timestamp units (integer, as sent in RTCP). */
  jitter: number;
}

export class ReceptionStats {
  ssrc = 0;
  /** Valid packets received from this source, duplicates and late ones included (A.3). */
  received = 0;
  private baseSeq = 0;
  private maxSeq = 0;
  private cycles = 0;
  private expectedPrior = 0;
  private receivedPrior = 0;
  /** Jitter estimate in RTP units as a float (A.8 keeps it scaled; a float needs no scaling). */
  private jitterUnits = 0;
  private lastTransit = 0;
  private haveTransit = false;

  constructor(private readonly clockRate: number) {}

  /** Start counting a new source (or the same SSRC after a sequence restart, A.1 init_seq). */
  init(ssrc: number, seq: number): void {
    this.ssrc = ssrc >>> 0;
    this.baseSeq = seq;
    this.maxSeq = seq;
    this.cycles = 0;
    this.received = 0;
    this.expectedPrior = 0;
    this.receivedPrior = 0;
    this.jitterUnits = 0;
    this.haveTransit = false;
  }

  /** Count one valid packet; advances the highest sequence, counting wraps (A.1 update_seq). */
  countPacket(seq: number): void {
    this.received++;
    if (seqDiff(seq, this.maxSeq) > 0) {
      if (seq < this.maxSeq) this.cycles += 65536;
      this.maxSeq = seq;
    }
  }

  /**
   * RFC 3550 §6.4.1 / A.8: J += (|D| − J) / 16 with D the change in relative transit time,
   * both sides in RTP timestamp units. Call for media packets only (telephone-event packets
   * keep one timestamp per event and would read as jitter).
   */
  updateJitter(rtpTimestamp: number, arrivalMs: number): void {
    const arrivalUnits = (arrivalMs * this.clockRate) / 1000;
    // Work modulo 2^32 so a timestamp wrap does not look like a 12-hour delay.
    const transit = (arrivalUnits - rtpTimestamp) % 4294967296;
    if (this.haveTransit) {
      let d = transit - this.lastTransit;
      if (d > 2147483648) d -= 4294967296;
      else if (d < -2147483648) d += 4294967296;
      if (d < 0) d = -d;
      this.jitterUnits += (d - this.jitterUnits) / 16;
    }
    this.lastTransit = transit;
    this.haveTransit = true;
  }

  get extendedHighestSeq(): number {
    return this.cycles + this.maxSeq;
  }

  /** Packets expected from this source so far (A.3). 0 before the first packet. */
  get expected(): number {
    return this.received === 0 ? 0 : this.extendedHighestSeq - this.baseSeq + 1;
  }

  get cumulativeLost(): number {
    const lost = this.expected - this.received;
    // 24-bit signed field: clamp rather than wrap (A.3).
    return lost > 0x7fffff ? 0x7fffff : lost < -0x800000 ? -0x800000 : lost;
  }

  /** Jitter in RTP units (float). */
  get jitter(): number {
    return this.jitterUnits;
  }

  get jitterMs(): number {
    return (this.jitterUnits * 1000) / this.clockRate;
  }

  /**
   * Fill a reception report and start a new interval for `fractionLost` (A.3): call once per
   * RTCP report sent.
   */
  fillReport(out: ReceptionReport): void {
    const expected = this.expected;
    const expectedInterval = expected - this.expectedPrior;
    const receivedInterval = this.received - this.receivedPrior;
    this.expectedPrior = expected;
    this.receivedPrior = this.received;
    const lostInterval = expectedInterval - receivedInterval;
    out.ssrc = this.ssrc;
    out.fractionLost = expectedInterval === 0 || lostInterval <= 0 ? 0 : Math.floor((lostInterval * 256) / expectedInterval);
    if (out.fractionLost > 255) out.fractionLost = 255;
    out.cumulativeLost = this.cumulativeLost;
    out.highestSeq = this.extendedHighestSeq >>> 0;
    out.jitter = Math.floor(this.jitterUnits) >>> 0;
  }
}
