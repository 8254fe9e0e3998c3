/**
 * Per-call playout queue for agent audio. Chunks of any size arrive tagged with an item id
 * (faster than real time); the media clock pulls exactly one frame per slot. The bytes live in a
 * ring buffer addressed by cumulative byte positions, so counting what the caller heard is
 * arithmetic: an item spans [start, end) and the read position says how much of it was sent.
 * Barge-in is `flush()`: everything goes at once and the interrupted item's heard milliseconds
 * come back for the model's truncate call (sip-media.md §4.5).
 */
import { ItemLedger, type ItemPlayed } from './item-ledger.js';

export interface PlayoutFormat {
  /** Bytes in one clock slot (160 for 20 ms of G.711). */
  frameBytes: number;
  /** Bytes per millisecond of audio (8 for G.711 at 8 kHz, 16 for PCM16 at 8 kHz). */
  bytesPerMs: number;
  /** Byte that encodes silence: 0xFF µ-law, 0xD5 A-law, 0x00 PCM. */
  silenceByte: number;
}

export interface PlayoutOptions {
  format: PlayoutFormat;
  /** What an empty queue yields: a comfort-silence frame or nothing (default silence). */
  whenEmpty?: 'silence' | 'nothing';
  /** Initial ring size (default 2 s); it doubles on demand up to `maxBufferedMs`. */
  initialBufferMs?: number;
  /** Hard cap on queued audio (default 5 min); chunks beyond it are dropped and counted. */
  maxBufferedMs?: number;
}

/** What `pull()` put into the frame. */
export const Frame = {
  /** Nothing to send this slot. */
  NONE: 0,
  /** Comfort silence. */
  SILENCE: 1,
  /** Agent audio. */
  AUDIO: 2,
} as const;
export type FrameKind = (typeof Frame)[keyof typeof Frame];

export interface PlayoutStats {
  queuedMs: number;
  audioFrames: number;
  silenceFrames: number;
  /** Frames only partly filled because the agent audio ran dry mid-frame. */
  underruns: number;
  overflowBytes: number;
  /** Bytes of items that arrived after their item was flushed (dropped, Pipecat-style). */
  droppedAfterFlush: number;
  flushes: number;
  /** Agent audio sent, ms. */
  playedMs: number;
}

export class PlayoutQueue {
  private readonly format: PlayoutFormat;
  private readonly sendSilence: boolean;
  private readonly maxBytes: number;
  private ring: Buffer;
  /** Cumulative positions: bytes ever written / ever played. */
  private writePos = 0;
  private readPos = 0;
  private readonly items: ItemLedger;
  private lastWasAudio = false;
  private talkspurt = false;
  private audioFrames = 0;
  private silenceFrames = 0;
  private underruns = 0;
  private overflowBytes = 0;
  private droppedAfterFlush = 0;
  private flushes = 0;
  private discardedBytes = 0;

  constructor(options: PlayoutOptions) {
    this.format = options.format;
    this.sendSilence = (options.whenEmpty ?? 'silence') === 'silence';
    this.maxBytes = Math.ceil((options.maxBufferedMs ?? 300_000) * this.format.bytesPerMs);
    const initial = Math.ceil((options.initialBufferMs ?? 2000) * this.format.bytesPerMs);
    this.ring = Buffer.alloc(Math.max(initial, this.format.frameBytes * 2));
    this.items = new ItemLedger(this.format.bytesPerMs);
  }

  /** Called once per item whose queued audio has all been sent (the queue moved on or ran dry). */
  onItemPlayed(cb: (played: ItemPlayed) => void): void {
    this.items.onPlayed = cb;
  }

  /**
   * Queues the first `length` bytes of `chunk` (default all); false when they were dropped
   * (queue full, or the item was flushed).
   */
  enqueue(chunk: Uint8Array, itemId: string, length = chunk.length): boolean {
    if (length <= 0) return true;
    if (this.items.wasFlushed(itemId)) {
      this.droppedAfterFlush += length;
      return false;
    }
    const queued = this.writePos - this.readPos;
    if (queued + length > this.maxBytes) {
      this.overflowBytes += length;
      return false;
    }
    if (queued + length > this.ring.length) this.grow(queued + length);
    this.writeAt(this.writePos, chunk, length);
    this.items.append(itemId, this.writePos, this.writePos + length);
    this.writePos += length;
    return true;
  }

  /**
   * Fills `out` (at least `frameBytes` long) with the next frame. No allocation: this runs for
   * every call on every clock tick.
   */
  pull(out: Uint8Array): FrameKind {
    const frame = this.format.frameBytes;
    const available = this.writePos - this.readPos;
    if (available === 0) {
      this.lastWasAudio = false;
      this.talkspurt = false;
      if (!this.sendSilence) return Frame.NONE;
      out.fill(this.format.silenceByte, 0, frame);
      this.silenceFrames++;
      return Frame.SILENCE;
    }
    const n = available < frame ? available : frame;
    this.readAt(this.readPos, out, n);
    if (n < frame) {
      out.fill(this.format.silenceByte, n, frame);
      this.underruns++;
    }
    this.readPos += n;
    this.talkspurt = !this.lastWasAudio;
    this.lastWasAudio = true;
    this.audioFrames++;
    this.items.advance(this.readPos, this.writePos);
    return Frame.AUDIO;
  }

  /** True when the last pulled frame starts a talkspurt: RTP marker bit (RFC 3551 §4.1). */
  get startsTalkspurt(): boolean {
    return this.talkspurt;
  }

  /**
   * Barge-in: drops everything queued at once and reports the item being played with the
   * milliseconds of it already sent, or null when nothing was queued.
   */
  flush(): ItemPlayed | null {
    if (this.writePos === this.readPos) return null;
    const current = this.items.flushAll(this.readPos);
    this.discardedBytes += this.writePos - this.readPos;
    this.readPos = this.writePos;
    this.lastWasAudio = false;
    this.flushes++;
    return current;
  }

  get queuedMs(): number {
    return (this.writePos - this.readPos) / this.format.bytesPerMs;
  }

  /**
   * Cumulative read position (flushed bytes included). A latency probe records `writePosition`
   * when it queues a chunk and sees the chunk's first byte go out once this passes it.
   */
  get readPosition(): number {
    return this.readPos;
  }

  /** Cumulative write position: where the next chunk starts. */
  get writePosition(): number {
    return this.writePos;
  }

  stats(): PlayoutStats {
    return {
      queuedMs: this.queuedMs,
      audioFrames: this.audioFrames,
      silenceFrames: this.silenceFrames,
      underruns: this.underruns,
      overflowBytes: this.overflowBytes,
      droppedAfterFlush: this.droppedAfterFlush,
      flushes: this.flushes,
      playedMs: Math.floor((this.readPos - this.discardedBytes) / this.format.bytesPerMs),
    };
  }

  private grow(needed: number): void {
    let size = this.ring.length;
    while (size < needed) size *= 2;
    const queued = this.writePos - this.readPos;
    const linear = Buffer.alloc(queued);
    this.readAt(this.readPos, linear, queued);
    this.ring = Buffer.alloc(Math.min(size, Math.max(needed, this.maxBytes)));
    this.writeAt(this.readPos, linear, queued);
  }

  private writeAt(pos: number, src: Uint8Array, length: number): void {
    const size = this.ring.length;
    const at = pos % size;
    const first = length < size - at ? length : size - at;
    // Buffer.prototype.copy takes ranges, so no subarray view per chunk.
    Buffer.prototype.copy.call(src, this.ring, at, 0, first);
    if (first < length) Buffer.prototype.copy.call(src, this.ring, 0, first, length);
  }

  private readAt(pos: number, out: Uint8Array, n: number): void {
    const size = this.ring.length;
    const at = pos % size;
    const first = n < size - at ? n : size - at;
    this.ring.copy(out, 0, at, at + first);
    if (first < n) this.ring.copy(out, first, 0, n - first);
  }
}
