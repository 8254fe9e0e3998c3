/**
 * Inbound reorder window for caller RTP (caller → model). The model tolerates bursty input, so
 * this is not an adaptive playout buffer: in-order packets go straight to the sink (zero added
 * latency); only a gap holds the packets behind it, until `depth` packets wait or the oldest has
 * waited `maxWaitMs`, then the missing packet is given up (counted lost) and the rest released in
 * order. Duplicates and packets arriving after their slot was given up are dropped and counted.
 *
 * Storage is a preallocated ring of slots (payload bytes copied into one backing buffer), so the
 * per-packet path allocates nothing beyond the payload view handed to the sink.
 */

import { RtpParse, createRtpHeader, parseRtp, seqAdd, seqDiff, type RtpHeader } from '../rtp/packet.js';
import { ReceptionStats, type ReceptionReport } from './reception-stats.js';

/** Receives each released packet's payload, in sequence order. The view is valid only during the call. */
export type ReorderSink = (payload: Uint8Array, seq: number, ts: number, marker: boolean, pt: number) => void;

export interface ReorderWindowOptions {
  /** Packets held behind a gap before giving up on it (default 3 → ≤ 60 ms at 20 ms packets). */
  depth?: number;
  /** Longest a held packet waits for a gap to fill, in ms (default depth × 20). */
  maxWaitMs?: number;
  /** Largest payload kept in a slot (default 1488 = 1500 − 12). Larger payloads are dropped as invalid. */
  maxPayloadBytes?: number;
  /** RTP clock rate of the media, for jitter (default 8000). */
  clockRate?: number;
  /** Payload type of RFC 4733 events, left out of the jitter estimate (default: none). */
  telephoneEventPt?: number;
  /** Forward jump (in packets) past which the sequence counts as restarted (default 3000, A.1 MAX_DROPOUT). */
  maxDropout?: number;
  /** Backward distance past which a packet counts as a restart, not a late one (default 100, A.1 MAX_MISORDER). */
  maxMisorder?: number;
}

/** Outcome of `push`, for callers that count or trace. Stable numeric codes. */
export const ReorderPush = {
  /** Released to the sink now (possibly with packets it unblocked). */
  FORWARDED: 0,
  /** Held behind a gap. */
  HELD: 1,
  DUPLICATE: 2,
  /** Its slot was already given up (or released past). */
  LATE: 3,
  /** Not valid RTP, or payload larger than a slot. */
  INVALID: 4,
  /** A far jump in sequence: kept aside until the next packet confirms the restart (A.1 probation). */
  PROBATION: 5,
} as const;
export type ReorderPushResult = (typeof ReorderPush)[keyof typeof ReorderPush];

/** Call-level counters, cumulative across SSRC changes and restarts. */
export interface ReorderStats {
  /** Valid RTP packets pushed (duplicates and late ones included). */
  received: number;
  /** Packets handed to the sink. */
  forwarded: number;
  /** Packets given up on: never arrived before their slot was released. */
  lost: number;
  duplicate: number;
  late: number;
  /** Packets that arrived after a higher sequence number but still in time. */
  reordered: number;
  /** Packets the sender sent as far as sequence numbers tell (A.3 expected, summed over sources). */
  expected: number;
  invalid: number;
  /** Window resets: SSRC change or confirmed sequence restart. */
  resets: number;
}

const HISTORY = 128; // recently released sequence numbers, to tell duplicates from late packets

export class ReorderWindow {
  readonly stats: ReorderStats = {
    received: 0, forwarded: 0, lost: 0, duplicate: 0, late: 0, reordered: 0, expected: 0, invalid: 0, resets: 0,
  };
  /** Reception statistics of the current source (RTCP report block, jitter). */
  readonly source: ReceptionStats;

  private readonly depth: number;
  private readonly maxWaitMs: number;
  private readonly slotBytes: number;
  private readonly mask: number;
  private readonly telephoneEventPt: number;
  private readonly maxDropout: number;
  private readonly maxMisorder: number;
  private readonly data: Uint8Array;
  private readonly present: Uint8Array;
  private readonly lengths: Int32Array;
  private readonly seqs: Int32Array;
  private readonly timestamps: Float64Array;
  private readonly arrivals: Float64Array;
  private readonly flags: Uint8Array; // bit 0 marker; bits 1..7 payload type
  private readonly released: Int32Array;
  private readonly header: RtpHeader = createRtpHeader();
  private readonly probationBytes: Uint8Array;

  private started = false;
  private nextSeq = 0;
  private held = 0;
  private highestHeld = 0;
  private expectedBefore = 0;
  private probationLength = -1;
  private probationArrival = 0;

  constructor(
    private readonly sink: ReorderSink,
    options: ReorderWindowOptions = {},
  ) {
    this.depth = Math.max(1, options.depth ?? 3);
    this.maxWaitMs = options.maxWaitMs ?? this.depth * 20;
    this.slotBytes = options.maxPayloadBytes ?? 1488;
    this.telephoneEventPt = options.telephoneEventPt ?? -1;
    this.maxDropout = options.maxDropout ?? 3000;
    this.maxMisorder = options.maxMisorder ?? 100;
    let capacity = 16;
    while (capacity < this.depth * 4) capacity *= 2;
    this.mask = capacity - 1;
    this.data = new Uint8Array(capacity * this.slotBytes);
    this.present = new Uint8Array(capacity);
    this.lengths = new Int32Array(capacity);
    this.seqs = new Int32Array(capacity);
    this.timestamps = new Float64Array(capacity);
    this.arrivals = new Float64Array(capacity);
    this.flags = new Uint8Array(capacity);
    this.released = new Int32Array(HISTORY).fill(-1);
    this.probationBytes = new Uint8Array(this.slotBytes + 1500);
    this.source = new ReceptionStats(options.clockRate ?? 8000);
  }

  /** Packets currently held behind a gap. */
  get heldCount(): number {
    return this.held;
  }

  /**
   * Offer one RTP datagram received at `arrivalMs` (monotonic ms). Pass `header` when the caller
   * already parsed the packet (it must describe `packet`); otherwise it is parsed here.
   */
  push(packet: Uint8Array, arrivalMs: number, header?: RtpHeader): ReorderPushResult {
    const h = header ?? this.header;
    if ((!header && parseRtp(packet, h) !== RtpParse.OK) || h.payloadLength > this.slotBytes) {
      this.stats.invalid++;
      return ReorderPush.INVALID;
    }
    if (!this.started || h.ssrc !== this.source.ssrc) {
      // A new SSRC (re-INVITE, transfer) is a new stream: release what the old one left and restart.
      if (this.started) this.reset(true);
      this.startSource(h.ssrc, h.sequenceNumber);
    }
    const d = seqDiff(h.sequenceNumber, this.nextSeq);
    if (d > this.maxDropout || d < -this.maxMisorder) return this.probation(packet, h, arrivalMs);
    if (this.probationLength >= 0) {
      this.stats.invalid++; // the far packet was a stray: the stream went on where it was
      this.probationLength = -1;
    }
    this.stats.received++;
    this.source.countPacket(h.sequenceNumber);
    this.stats.expected = this.expectedBefore + this.source.expected;
    if (h.payloadType !== this.telephoneEventPt) this.source.updateJitter(h.timestamp, arrivalMs);
    if (d < 0) return this.dropOld(h.sequenceNumber);
    const result = this.accept(packet, h, arrivalMs, d);
    this.expire(arrivalMs);
    return result;
  }

  /** Release packets whose gap has waited past the deadline. Call from the worker clock. */
  tick(nowMs: number): void {
    this.expire(nowMs);
  }

  /** Give up on every gap and release all held packets in order (end of stream, re-INVITE swap). */
  flush(): void {
    while (this.held > 0) this.releaseNextRun();
  }

  /**
   * Forget the stream. With `releaseHeld`, held packets go to the sink first; otherwise they are
   * discarded. The next packet starts a new source.
   */
  reset(releaseHeld = false): void {
    if (releaseHeld) this.flush();
    else this.discardHeld();
    this.closeSource();
    this.started = false;
    this.probationLength = -1;
    this.released.fill(-1);
  }

  /** Fill an RTCP reception report for the current source and start a new loss interval. */
  fillReport(out: ReceptionReport): void {
    this.source.fillReport(out);
  }

  private startSource(ssrc: number, seq: number): void {
    this.started = true;
    this.nextSeq = seq;
    this.source.init(ssrc, seq);
  }

  private closeSource(): void {
    if (!this.started) return;
    this.expectedBefore += this.source.expected;
    this.stats.resets++;
  }

  private accept(packet: Uint8Array, h: RtpHeader, arrivalMs: number, d: number): ReorderPushResult {
    if (d === 0 && this.held === 0) {
      this.emitDirect(packet, h);
      return ReorderPush.FORWARDED;
    }
    if (d > this.mask) {
      // Gap wider than the ring: nothing behind it can be waited for. Release all, then skip ahead.
      this.flush();
      this.stats.lost += seqDiff(h.sequenceNumber, this.nextSeq);
      this.nextSeq = h.sequenceNumber;
      this.emitDirect(packet, h);
      return ReorderPush.FORWARDED;
    }
    const slot = h.sequenceNumber & this.mask;
    if (this.present[slot] === 1) {
      this.stats.duplicate++;
      return ReorderPush.DUPLICATE;
    }
    if (this.held > 0 && seqDiff(h.sequenceNumber, this.highestHeld) < 0) this.stats.reordered++;
    this.store(slot, packet, h, arrivalMs);
    if (d === 0) {
      this.releaseNextRun();
      return ReorderPush.FORWARDED;
    }
    if (this.held >= this.depth) {
      this.releaseNextRun();
      return ReorderPush.FORWARDED;
    }
    return ReorderPush.HELD;
  }

  private dropOld(seq: number): ReorderPushResult {
    if (this.released[seq % HISTORY] === seq) {
      this.stats.duplicate++;
      return ReorderPush.DUPLICATE;
    }
    this.stats.late++;
    return ReorderPush.LATE;
  }

  /**
   * A far jump is either a stray packet or a sender restart (A.1): keep it aside; if the next
   * packet follows it, reset and start from it, else drop it.
   */
  private probation(packet: Uint8Array, h: RtpHeader, arrivalMs: number): ReorderPushResult {
    const b = this.probationBytes;
    if (this.probationLength >= 0 && h.sequenceNumber === seqAdd((b[2] << 8) | b[3], 1)) {
      const stray = b.subarray(0, this.probationLength);
      this.reset(true);
      this.push(stray, this.probationArrival);
      return this.push(packet, arrivalMs);
    }
    if (this.probationLength >= 0) this.stats.invalid++;
    const n = h.payloadOffset + h.payloadLength + h.paddingLength;
    if (n > b.length) {
      this.probationLength = -1;
      this.stats.invalid++;
      return ReorderPush.INVALID;
    }
    b.set(packet.subarray(0, n));
    this.probationLength = n;
    this.probationArrival = arrivalMs;
    return ReorderPush.PROBATION;
  }

  private expire(nowMs: number): void {
    while (this.held > 0 && nowMs - this.oldestHeldArrival() >= this.maxWaitMs) this.releaseNextRun();
  }

  private oldestHeldArrival(): number {
    let oldest = Infinity;
    const span = seqDiff(this.highestHeld, this.nextSeq);
    for (let i = 0; i <= span; i++) {
      const slot = (this.nextSeq + i) & this.mask;
      if (this.present[slot] === 1 && this.arrivals[slot] < oldest) oldest = this.arrivals[slot];
    }
    return oldest;
  }

  /** Skip (count lost) up to the first held packet, then release the consecutive run from there. */
  private releaseNextRun(): void {
    while (this.present[this.nextSeq & this.mask] === 0) {
      this.stats.lost++;
      this.nextSeq = seqAdd(this.nextSeq, 1);
    }
    while (this.present[this.nextSeq & this.mask] === 1) {
      this.emitSlot(this.nextSeq & this.mask);
      this.nextSeq = seqAdd(this.nextSeq, 1);
    }
  }

  private store(slot: number, packet: Uint8Array, h: RtpHeader, arrivalMs: number): void {
    const start = slot * this.slotBytes;
    this.data.set(packet.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength), start);
    this.present[slot] = 1;
    this.lengths[slot] = h.payloadLength;
    this.seqs[slot] = h.sequenceNumber;
    this.timestamps[slot] = h.timestamp;
    this.arrivals[slot] = arrivalMs;
    this.flags[slot] = (h.payloadType << 1) | (h.marker ? 1 : 0);
    if (this.held === 0 || seqDiff(h.sequenceNumber, this.highestHeld) > 0) this.highestHeld = h.sequenceNumber;
    this.held++;
  }

  private emitSlot(slot: number): void {
    const start = slot * this.slotBytes;
    const seq = this.seqs[slot];
    const f = this.flags[slot];
    this.present[slot] = 0;
    this.held--;
    this.stats.forwarded++;
    this.markReleased(seq);
    this.sink(this.data.subarray(start, start + this.lengths[slot]), seq, this.timestamps[slot], (f & 1) === 1, f >>> 1);
  }

  private emitDirect(packet: Uint8Array, h: RtpHeader): void {
    this.nextSeq = seqAdd(h.sequenceNumber, 1);
    this.markReleased(h.sequenceNumber);
    this.stats.forwarded++;
    const payload = packet.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength);
    this.sink(payload, h.sequenceNumber, h.timestamp, h.marker, h.payloadType);
  }

  private markReleased(seq: number): void {
    this.released[seq % HISTORY] = seq;
  }

  private discardHeld(): void {
    this.present.fill(0);
    this.held = 0;
  }
}
