/**
 * Per-call stereo recording (caller left, agent right; DESIGN §5) on `media/recording`: the
 * agent's frames are placed at the media clock's send time, the caller's at positions derived
 * from their arrival, on one timeline from the start of the call, so the two sides stay aligned
 * however the caller's packets were spaced.
 */
import { join } from 'node:path';
import { ArrivalSlots } from '../recording/arrival-slots.js';
import { AGENT_CHANNEL, CALLER_CHANNEL, StereoWavRecorder, type RecordingChannel } from '../recording/stereo-recorder.js';
import type { AudioCodecName, RecordingInfo } from '../protocol.js';

const SAMPLE_RATE = 8000;
const SAMPLES_PER_MS = SAMPLE_RATE / 1000;

export class CallRecorder {
  private readonly recorder: StereoWavRecorder;
  private readonly slots: ArrivalSlots;
  /** Next free agent position: a burst after a stall must not overlap the frame before it. */
  private agentNext = 0;
  private closing: Promise<RecordingInfo | null> | null = null;

  private constructor(
    path: string,
    private readonly startMs: number,
  ) {
    this.recorder = new StereoWavRecorder(path, { sampleRate: SAMPLE_RATE });
    this.slots = new ArrivalSlots(startMs, { sampleRate: SAMPLE_RATE });
  }

  /** Starts `<dir>/<callId>.wav` (the id made file-safe); the file opens in the background. */
  static start(dir: string, callId: string, startMs: number): CallRecorder {
    const safe = callId.replace(/[^A-Za-z0-9._-]/g, '_');
    return new CallRecorder(join(dir, `${safe}.wav`), startMs);
  }

  /** One caller payload as it left the reorder window. */
  pushCaller(codec: AudioCodecName, payload: Uint8Array, arrivalMs: number): void {
    if (codec === 'opus') return; // recordings are G.711-only for now
    const at = this.slots.place(arrivalMs, payload.length);
    if (at >= 0) this.write(CALLER_CHANNEL, codec === 'PCMA' ? 'pcma' : 'pcmu', at, payload);
  }

  /** One clock slot at `now`: the agent frame sent (G.711 of `encoding`), or null for none. */
  slot(encoding: 'pcmu' | 'pcma' | 'pcm16', agentFrame: Uint8Array | null, now: number): void {
    if (this.closing) return;
    const byTime = Math.round((now - this.startMs) * SAMPLES_PER_MS);
    const at = byTime > this.agentNext ? byTime : this.agentNext;
    if (agentFrame && encoding !== 'pcm16') {
      this.write(AGENT_CHANNEL, encoding, at, agentFrame);
      this.agentNext = at + agentFrame.length;
    }
    this.recorder.advance(at);
  }

  /** Finishes the file once; null when it could not be written. */
  close(): Promise<RecordingInfo | null> {
    this.closing ??= this.recorder.close().then(
      (r) => (r.error ? null : { path: r.path, durationMs: Math.round(r.durationMs) }),
      () => null,
    );
    return this.closing;
  }

  private write(channel: RecordingChannel, law: 'pcmu' | 'pcma', at: number, payload: Uint8Array): void {
    if (law === 'pcma') this.recorder.writeAlaw(channel, at, payload);
    else this.recorder.writeUlaw(channel, at, payload);
  }
}
