/**
 * Latency marks for the call benchmark (research/sip-media.md §5.3) and two per-call histograms,
 * without allocation per frame:
 * - voiced caller frame: RTP arrival → `appendAudio` handed it to the provider socket (unvoiced
 *   frames may wait for a larger append on purpose, see providers/audio-sender.ts);
 * - agent chunk that found the playout queue empty: audio delta receipt → its first byte sent on
 *   RTP (the engine's own overhead; chunks queued behind earlier audio wait for the caller to
 *   hear that audio first, which is playout, not latency).
 * Marks per turn: `caller-speech-end` (the model's speech-stopped), `agent-response-start`,
 * `first-audio-delta` (receipt of a response's first delta) and `first-audio-sent` (its first
 * byte on the wire). A chunk's position in the playout queue is noted when it is queued; the
 * media clock's frame probe reports cumulative bytes sent, which tells when that position went out.
 */
import { Histogram } from '../clock/histogram.js';
import type { CallEvent, LatencyMark } from '../protocol.js';

const FIFO = 512;

export interface LatencyFigures {
  callerToProviderP50Ms: number;
  callerToProviderP95Ms: number;
  deltaToRtpP50Ms: number;
  deltaToRtpP95Ms: number;
}

export class LatencyTracker {
  private readonly callerToProvider = new Histogram(0.05, 50);
  private readonly deltaToRtp = new Histogram(0.25, 1000);
  private readonly fifoPos = new Float64Array(FIFO);
  private readonly fifoAt = new Float64Array(FIFO);
  /** Bit 0: first chunk of its response (mark); bit 1: found the queue empty (histogram). */
  private readonly fifoFlags = new Uint8Array(FIFO);
  /** The response of each followed chunk (a reference, not a copy). */
  private readonly fifoResponse: (string | null)[] = new Array<string | null>(FIFO).fill(null);
  private head = 0;
  private tail = 0;
  /** When the caller's last turn ended (model's speech-stopped), or -1. */
  private speechEndAt = -1;
  private lastDeltaResponse: string | null = null;

  constructor(
    private readonly emit: (event: CallEvent) => void,
    /** A response's first byte went out on RTP (the turn latency log). */
    private readonly firstSent: (responseId: string, at: number) => void = () => {},
  ) {}

  /** One caller frame went to the provider; `receivedAt` is the packet's arrival time. */
  callerFrameSent(receivedAt: number, now: number): void {
    this.callerToProvider.record(now - receivedAt);
  }

  callerSpeechEnded(now: number): void {
    this.speechEndAt = now;
    this.mark('caller-speech-end', now);
  }

  responseStarted(now: number): void {
    this.mark('agent-response-start', now);
  }

  /** An audio delta arrived; true when it is its response's first. */
  deltaReceived(responseId: string, now: number): boolean {
    if (responseId === this.lastDeltaResponse) return false;
    this.lastDeltaResponse = responseId;
    this.mark('first-audio-delta', now);
    return true;
  }

  /**
   * A chunk is about to be queued at cumulative byte `position`; it was received at `at` (or
   * released at answer). Only chunks that mark a response's start or found the queue empty are
   * followed; with the FIFO full a chunk is not followed.
   */
  chunkQueued(position: number, at: number, first: boolean, queueEmpty: boolean, responseId: string | null = null): boolean {
    if ((!first && !queueEmpty) || this.tail - this.head >= FIFO) return false;
    const i = this.tail % FIFO;
    this.fifoPos[i] = position;
    this.fifoAt[i] = at;
    this.fifoFlags[i] = (first ? 1 : 0) | (queueEmpty ? 2 : 0);
    this.fifoResponse[i] = responseId;
    this.tail++;
    return true;
  }

  /** The chunk just noted was not queued after all (the playout refused it). */
  chunkDropped(): void {
    if (this.tail > this.head) this.tail--;
  }

  /** The media clock sent a frame; `sentBytes` is the cumulative agent bytes sent. */
  frameSent(sentAt: number, sentBytes: number): void {
    while (this.head < this.tail && this.fifoPos[this.head % FIFO] < sentBytes) {
      const i = this.head % FIFO;
      const flags = this.fifoFlags[i];
      this.head++;
      if ((flags & 2) !== 0) this.deltaToRtp.record(sentAt - this.fifoAt[i]);
      if ((flags & 1) === 0) continue;
      this.mark('first-audio-sent', sentAt);
      const responseId = this.fifoResponse[i];
      if (responseId !== null) this.firstSent(responseId, sentAt);
      // The turn is answered: a later response without a caller turn (say, check-in) has no `sinceMs`.
      this.speechEndAt = -1;
    }
  }

  /** Barge-in: the queued chunks will never be sent. */
  flushed(): void {
    this.head = this.tail;
  }

  figures(): LatencyFigures {
    return {
      callerToProviderP50Ms: round2(this.callerToProvider.percentile(50)),
      callerToProviderP95Ms: round2(this.callerToProvider.percentile(95)),
      deltaToRtpP50Ms: round2(this.deltaToRtp.percentile(50)),
      deltaToRtpP95Ms: round2(this.deltaToRtp.percentile(95)),
    };
  }

  private mark(mark: LatencyMark, atMs: number): void {
    const sinceMs = mark !== 'caller-speech-end' && this.speechEndAt >= 0 ? round2(atMs - this.speechEndAt) : undefined;
    this.emit(sinceMs === undefined ? { kind: 'latency', mark, atMs } : { kind: 'latency', mark, atMs, sinceMs });
  }
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}
