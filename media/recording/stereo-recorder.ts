/**
 * Stereo call recording (caller left, agent right), PCM16 WAV, written as the call goes.
 *
 * Both channels write into one timeline counted in samples from the start of the call: the agent
 * at the media clock's frame index, the caller at slots derived from arrival (ArrivalSlots). A
 * channel that has nothing for a stretch stays silent there, so the two sides stay aligned.
 * Samples become final `lagMs` behind the newest write (room for the other side to catch up),
 * are gathered into ~1 s chunks and handed to an ordered fire-and-forget write queue; after each
 * chunk the RIFF/data sizes are rewritten, so a crash loses about a second plus the lag and the
 * file stays playable. No call on the per-frame path awaits or allocates.
 */

import { alawDecodeSample, ulawDecodeSample } from '../codecs/g711.js';
import { WAV_HEADER_SIZE, writeWavHeader } from './wav.js';
import { FileWriteQueue } from './write-queue.js';

export const CALLER_CHANNEL = 0;
export const AGENT_CHANNEL = 1;
export type RecordingChannel = typeof CALLER_CHANNEL | typeof AGENT_CHANNEL;

export interface StereoRecorderOptions {
  /** Default 8000. */
  sampleRate?: number;
  /** How far behind the newest write samples stay open for the other channel (default 200 ms). */
  lagMs?: number;
  /** Audio per file write, and per header rewrite (default 1000 ms). */
  chunkMs?: number;
}

export interface RecordingResult {
  path: string;
  durationMs: number;
  /** PCM bytes in the data chunk. */
  dataBytes: number;
  /** Samples (per channel) that arrived after their place was written out, dropped. */
  lateSamples: number;
  /** First file error, or null when the file is complete. */
  error: NodeJS.ErrnoException | null;
}

interface Chunk {
  buf: Buffer;
  pcm: Int16Array; // interleaved view over `buf`
}

export class StereoWavRecorder {
  readonly sampleRate: number;
  /** Samples per channel dropped because they came later than `lagMs`. */
  lateSamples = 0;
  private readonly queue: FileWriteQueue;
  private readonly ring: Int16Array; // interleaved open samples, indexed by position mod ringSamples
  private readonly ringSamples: number;
  private readonly lagSamples: number;
  private readonly chunkSamples: number;
  private readonly header = Buffer.alloc(WAV_HEADER_SIZE);
  private readonly freeChunks: Chunk[] = [];
  private chunk: Chunk;
  private chunkFill = 0; // samples (per channel) in `chunk`
  private finalized = 0; // timeline position up to which samples are final
  private end = 0; // highest position written + 1 (either channel)
  private dataBytes = 0; // bytes handed to the queue after the header
  private closing: Promise<RecordingResult> | null = null;

  constructor(
    readonly path: string,
    options: StereoRecorderOptions = {},
  ) {
    this.sampleRate = options.sampleRate ?? 8000;
    this.lagSamples = Math.round(((options.lagMs ?? 200) * this.sampleRate) / 1000);
    this.chunkSamples = Math.round(((options.chunkMs ?? 1000) * this.sampleRate) / 1000);
    this.ringSamples = this.lagSamples + this.chunkSamples;
    this.ring = new Int16Array(this.ringSamples * 2);
    this.chunk = this.newChunk();
    this.queue = new FileWriteQueue(path);
    this.queueHeader();
  }

  /** Length of the recording so far (the furthest either channel has reached). */
  get durationMs(): number {
    return (this.end * 1000) / this.sampleRate;
  }

  /** Place PCM16 samples of one channel at timeline position `atSample`. */
  writePcm(channel: RecordingChannel, atSample: number, pcm: Int16Array): void {
    const start = this.admit(atSample, pcm.length);
    for (let i = start; i < pcm.length; i++) this.ring[this.slot(atSample + i) + channel] = pcm[i];
  }

  /** Place G.711 µ-law bytes (the usual passthrough payload) without a decode buffer. */
  writeUlaw(channel: RecordingChannel, atSample: number, payload: Uint8Array): void {
    const start = this.admit(atSample, payload.length);
    for (let i = start; i < payload.length; i++) this.ring[this.slot(atSample + i) + channel] = ulawDecodeSample(payload[i]);
  }

  writeAlaw(channel: RecordingChannel, atSample: number, payload: Uint8Array): void {
    const start = this.admit(atSample, payload.length);
    for (let i = start; i < payload.length; i++) this.ring[this.slot(atSample + i) + channel] = alawDecodeSample(payload[i]);
  }

  /** Move time on without audio (both sides silent): e.g. from the media clock each tick. */
  advance(toSample: number): void {
    if (toSample > this.end) this.end = toSample;
    this.finalizeUpTo(this.end - this.lagSamples);
  }

  /** Write out everything, finalise the header and close the file. Idempotent. */
  close(): Promise<RecordingResult> {
    if (!this.closing) {
      this.finalizeUpTo(this.end);
      this.flushChunk();
      this.closing = this.queue.close().then(() => ({
        path: this.path,
        durationMs: (this.dataBytes / 4 / this.sampleRate) * 1000,
        dataBytes: this.dataBytes,
        lateSamples: this.lateSamples,
        error: this.queue.error,
      }));
    }
    return this.closing;
  }

  /** Resolves when every write queued so far has reached the file (tests, graceful drain). */
  flushed(): Promise<void> {
    return this.queue.idle();
  }

  /**
   * Make room for a write of `length` samples at `atSample`: finalise what falls out of the
   * window. Returns the index of the first sample still open (earlier ones are late and dropped).
   */
  private admit(atSample: number, length: number): number {
    if (this.closing) return length;
    const writeEnd = atSample + length;
    if (writeEnd > this.end) this.end = writeEnd;
    // Everything older than the lag behind the newest write is final; so is anything that
    // would be overwritten by this write wrapping the ring.
    this.finalizeUpTo(Math.max(this.end - this.lagSamples, writeEnd - this.ringSamples));
    const late = Math.min(length, Math.max(0, this.finalized - atSample));
    this.lateSamples += late;
    return late;
  }

  private slot(position: number): number {
    return (position % this.ringSamples) * 2;
  }

  /** Move open samples before `position` into the output chunk (silence where nothing came). */
  private finalizeUpTo(position: number): void {
    const ring = this.ring;
    while (this.finalized < position) {
      const s = this.slot(this.finalized);
      const o = this.chunkFill * 2;
      this.chunk.pcm[o] = ring[s];
      this.chunk.pcm[o + 1] = ring[s + 1];
      ring[s] = 0; // the slot will hold a later position: start it silent
      ring[s + 1] = 0;
      this.finalized++;
      if (++this.chunkFill === this.chunkSamples) this.flushChunk();
    }
  }

  private flushChunk(): void {
    if (this.chunkFill === 0) return;
    const bytes = this.chunkFill * 4;
    const chunk = this.chunk;
    this.queue.write(chunk.buf, bytes, WAV_HEADER_SIZE + this.dataBytes, () => this.recycle(chunk));
    this.dataBytes += bytes;
    this.queueHeader();
    this.chunk = this.freeChunks.pop() ?? this.newChunk();
    this.chunkFill = 0;
  }

  /** Rewrite the header with the data size reached when the write runs (after the data it covers). */
  private queueHeader(): void {
    const size = this.dataBytes;
    this.queue.writeComputed(() => {
      writeWavHeader(this.header, { sampleRate: this.sampleRate, channels: 2 }, size);
      return { buf: this.header, length: WAV_HEADER_SIZE, position: 0 };
    });
  }

  private recycle(chunk: Chunk): void {
    if (this.freeChunks.length < 4) this.freeChunks.push(chunk);
  }

  private newChunk(): Chunk {
    const buf = Buffer.allocUnsafeSlow(this.chunkSamples * 4); // own ArrayBuffer: aligned for Int16Array
    return { buf, pcm: new Int16Array(buf.buffer, buf.byteOffset, this.chunkSamples * 2) };
  }
}
