/**
 * The input audio path of a realtime session: caller frames → batched `input_audio_buffer.append`
 * messages → socket. This runs once per RTP packet, so it keeps to one preallocated batch buffer
 * and a fixed ring of held messages; the base64 text of each append is the only allocation, and
 * the wire format requires it.
 *
 * Voice-aware batching: each append is one WebSocket frame and one system call (with the UDP
 * send, the largest item in a media worker's profile), so audio that is not latency-critical
 * goes in larger appends. A frame
 * the caller's voice detector calls voiced goes at once (with whatever the batch held before it),
 * and so does every unvoiced frame for `urgentQuietBytes` after the last voiced one: the
 * provider's turn detector ends the turn on that silence, so holding it would delay the answer.
 * Longer silence (the caller listening to the agent) is sent in appends of `batchBytes`. A
 * frame without a hint is batched (`batchBytes` = one frame keeps every frame immediate).
 *
 * Backpressure: when the socket has more than `maxBufferedBytes` queued (a slow or stalled
 * provider), new appends are held in the ring instead of piling onto the socket, and when the ring
 * is full the oldest held audio is dropped and counted — stale caller audio is worth less than
 * fresh audio to a turn detector. The ring also holds audio appended before the session is ready.
 */

/** Where the sender writes; implemented by the adapter over its WebSocket. */
export interface AudioSink {
  /** True when the session is configured and the socket open. */
  ready(): boolean;
  /** Bytes queued on the socket but not yet written to the network. */
  bufferedAmount(): number;
  send(message: string): void;
}

export interface AudioSenderOptions {
  /** Bytes per append at most (the batch size). */
  batchBytes: number;
  /** Unvoiced bytes after the last voiced frame that still go at once (default 0). */
  urgentQuietBytes?: number;
  /** Held appends kept at most (the ring size). */
  maxPendingAppends: number;
  /** Held audio kept at most, bytes (default: no bound beyond the ring size). */
  maxPendingBytes?: number;
  /** Socket queue above which appends are held. */
  maxBufferedBytes: number;
}

export interface AudioSenderStats {
  audioBytesSent: number;
  appendsSent: number;
  audioBytesDropped: number;
}

const APPEND_PREFIX = '{"type":"input_audio_buffer.append","audio":"';
const APPEND_SUFFIX = '"}';

export class AudioSender {
  private readonly batch: Buffer;
  private batchFill = 0;
  /** Unvoiced bytes since the last voiced frame; starts past any threshold (no speech yet). */
  private quietBytes = Number.MAX_SAFE_INTEGER;
  private readonly ring: Array<string | undefined>;
  private readonly ringBytes: Int32Array;
  private ringHead = 0;
  private ringCount = 0;
  private ringAudioBytes = 0;
  private readonly counters: AudioSenderStats = { audioBytesSent: 0, appendsSent: 0, audioBytesDropped: 0 };

  constructor(
    private readonly options: AudioSenderOptions,
    private readonly sink: AudioSink,
  ) {
    this.batch = Buffer.alloc(Math.max(1, options.batchBytes));
    const ringSize = Math.max(1, options.maxPendingAppends);
    this.ring = new Array<string | undefined>(ringSize);
    this.ringBytes = new Int32Array(ringSize);
  }

  /**
   * Adds caller audio; sends every complete batch, and the partial one too when the frame is
   * voiced or closely follows voice (`voiced` undefined: no hint, batched).
   */
  push(frame: Uint8Array, voiced?: boolean): void {
    let offset = 0;
    while (offset < frame.length) {
      const take = Math.min(frame.length - offset, this.batch.length - this.batchFill);
      this.batch.set(frame.subarray(offset, offset + take), this.batchFill);
      this.batchFill += take;
      offset += take;
      if (this.batchFill === this.batch.length) this.emitBatch();
    }
    if (voiced === true) this.quietBytes = 0;
    else if (voiced === false && this.quietBytes < Number.MAX_SAFE_INTEGER) this.quietBytes += frame.length;
    if (voiced !== undefined && this.quietBytes <= (this.options.urgentQuietBytes ?? 0)) this.flush();
  }

  /** Sends the partial batch now (before a control event, so audio and events keep their order). */
  flush(): void {
    if (this.batchFill > 0) this.emitBatch();
  }

  /** Sends held appends while the socket has room; call when the session becomes ready. */
  drain(): void {
    if (!this.sink.ready()) return;
    while (this.ringCount > 0 && this.sink.bufferedAmount() <= this.options.maxBufferedBytes) {
      const message = this.ring[this.ringHead] as string;
      const bytes = this.ringBytes[this.ringHead];
      this.ring[this.ringHead] = undefined;
      this.ringHead = (this.ringHead + 1) % this.ring.length;
      this.ringCount--;
      this.ringAudioBytes -= bytes;
      this.write(message, bytes);
    }
  }

  /** Forgets held and partial audio (after close, or on a deliberate input clear). */
  reset(): void {
    for (let i = 0; i < this.ring.length; i++) this.ring[i] = undefined;
    this.ringHead = 0;
    this.ringCount = 0;
    this.ringAudioBytes = 0;
    this.batchFill = 0;
    this.quietBytes = Number.MAX_SAFE_INTEGER;
  }

  stats(): AudioSenderStats {
    return { ...this.counters };
  }

  private emitBatch(): void {
    const bytes = this.batchFill;
    const message = APPEND_PREFIX + this.batch.toString('base64', 0, bytes) + APPEND_SUFFIX;
    this.batchFill = 0;
    this.drain();
    if (this.ringCount === 0 && this.sink.ready() && this.sink.bufferedAmount() <= this.options.maxBufferedBytes) {
      this.write(message, bytes);
    } else {
      this.hold(message, bytes);
    }
  }

  private hold(message: string, bytes: number): void {
    const maxBytes = this.options.maxPendingBytes ?? Number.MAX_SAFE_INTEGER;
    while (this.ringCount === this.ring.length || (this.ringCount > 0 && this.ringAudioBytes + bytes > maxBytes)) {
      // Full: the oldest held audio goes.
      const dropped = this.ringBytes[this.ringHead];
      this.counters.audioBytesDropped += dropped;
      this.ringAudioBytes -= dropped;
      this.ring[this.ringHead] = undefined;
      this.ringHead = (this.ringHead + 1) % this.ring.length;
      this.ringCount--;
    }
    const tail = (this.ringHead + this.ringCount) % this.ring.length;
    this.ring[tail] = message;
    this.ringBytes[tail] = bytes;
    this.ringCount++;
    this.ringAudioBytes += bytes;
  }

  private write(message: string, bytes: number): void {
    this.sink.send(message);
    this.counters.audioBytesSent += bytes;
    this.counters.appendsSent++;
  }
}

/** Bytes per millisecond of a realtime audio format (G.711: 8; PCM16 at N kHz: 2N). */
export function bytesPerMs(format: string): number {
  if (format === 'pcmu' || format === 'pcma') return 8;
  const match = /^pcm16@(\d+)k$/.exec(format);
  return match === null ? 8 : Number(match[1]) * 2;
}
