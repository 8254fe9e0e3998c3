/**
 * Per-call stereo recording (caller left, agent right; DESIGN §5), paced by the media clock: each
 * slot writes 20 ms of both sides, so the two channels stay aligned however the caller's packets
 * were spaced. Caller audio waits in a small FIFO (drops the oldest past 200 ms).
 */
import { join } from 'node:path';
import type { AudioCodecName, RecordingInfo } from '../protocol.js';
import { decodeToPcm } from './frame-codec.js';
import { StereoWavWriterStandIn } from './wav-standin.js';

const SAMPLES_PER_SLOT = 160;
const FIFO_SAMPLES = SAMPLES_PER_SLOT * 10;
/** Caller frames buffered before the left channel starts, to ride out arrival jitter. */
const PREROLL_SAMPLES = SAMPLES_PER_SLOT * 2;

export class CallRecorder {
  private readonly fifo = new Int16Array(FIFO_SAMPLES);
  private readPos = 0;
  private writePos = 0;
  private primed = false;
  private readonly decoded = new Int16Array(1500);
  private readonly left = new Int16Array(SAMPLES_PER_SLOT);
  private readonly right = new Int16Array(SAMPLES_PER_SLOT);
  private closing: Promise<RecordingInfo | null> | null = null;

  private constructor(private readonly writer: StereoWavWriterStandIn) {}

  static async start(dir: string, callId: string): Promise<CallRecorder> {
    const safe = callId.replace(/[^A-Za-z0-9._-]/g, '_');
    return new CallRecorder(await StereoWavWriterStandIn.create(join(dir, `${safe}.wav`), 8000));
  }

  /** One caller payload as it left the reorder window. */
  pushCaller(codec: AudioCodecName, payload: Uint8Array): void {
    const n = decodeToPcm(codec, payload, this.decoded);
    for (let i = 0; i < n; i++) {
      if (this.writePos - this.readPos === FIFO_SAMPLES) this.readPos++;
      this.fifo[this.writePos % FIFO_SAMPLES] = this.decoded[i];
      this.writePos++;
    }
  }

  /** One clock slot: `agentFrame` in `agentEncoding`, or null when nothing was sent. */
  slot(agentEncoding: 'pcmu' | 'pcma' | 'pcm16', agentFrame: Uint8Array | null, skipped: number): void {
    if (this.closing) return;
    for (let i = 0; i < skipped; i++) this.writeSlot(null);
    if (!agentFrame) return this.writeSlot(null);
    decodeToPcm(agentEncoding === 'pcma' ? 'pcma' : 'pcmu', agentFrame, this.right);
    this.writeSlot(this.right);
  }

  /** Finishes the file once; later calls get the same result. */
  close(): Promise<RecordingInfo | null> {
    this.closing ??= this.writer.close().then(
      (info) => info,
      () => null,
    );
    return this.closing;
  }

  private writeSlot(agent: Int16Array | null): void {
    const queued = this.writePos - this.readPos;
    if (!this.primed && queued >= PREROLL_SAMPLES) this.primed = true;
    const take = this.primed ? Math.min(queued, SAMPLES_PER_SLOT) : 0;
    for (let i = 0; i < take; i++) this.left[i] = this.fifo[(this.readPos + i) % FIFO_SAMPLES];
    this.left.fill(0, take);
    this.readPos += take;
    this.writer.write(this.left, agent, SAMPLES_PER_SLOT);
  }
}
