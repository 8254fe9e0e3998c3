/**
 * Energy voice activity detection for the fake realtime server (research/sip-media.md §5.3):
 * 20 ms frames, RMS level against a dBFS threshold; two voiced frames in a row start a turn;
 * `silenceDurationMs` of quiet ends it.
 */
import { pcmEnergyDbfs } from '../../../media/codecs/g711.js';

export type VadEvent = { type: 'start'; atMs: number } | { type: 'stop'; atMs: number };

const FRAME_MS = 20;
const ONSET_FRAMES = 2;

export class EnergyVad {
  private readonly frame: Int16Array;
  private fill = 0;
  private positionMs = 0;
  private speaking = false;
  private voicedRun = 0;
  private voicedRunStartMs = 0;
  private quietMs = 0;

  constructor(
    readonly sampleRate: number,
    private readonly thresholdDbfs: number,
    public silenceDurationMs: number,
  ) {
    this.frame = new Int16Array(Math.round((sampleRate * FRAME_MS) / 1000));
  }

  /** Total input seen, ms. */
  get audioMs(): number {
    return this.positionMs + (this.fill * 1000) / this.sampleRate;
  }

  get inSpeech(): boolean {
    return this.speaking;
  }

  push(samples: Int16Array): VadEvent[] {
    const events: VadEvent[] = [];
    let offset = 0;
    while (offset < samples.length) {
      const take = Math.min(samples.length - offset, this.frame.length - this.fill);
      this.frame.set(samples.subarray(offset, offset + take), this.fill);
      this.fill += take;
      offset += take;
      if (this.fill === this.frame.length) {
        const event = this.onFrame(pcmEnergyDbfs(this.frame) > this.thresholdDbfs);
        if (event !== undefined) events.push(event);
        this.fill = 0;
      }
    }
    return events;
  }

  /** Forgets a turn in progress (after a manual commit or clear). */
  reset(): void {
    this.speaking = false;
    this.voicedRun = 0;
    this.quietMs = 0;
  }

  private onFrame(voiced: boolean): VadEvent | undefined {
    const frameStart = this.positionMs;
    this.positionMs += FRAME_MS;
    if (voiced) {
      if (this.voicedRun === 0) this.voicedRunStartMs = frameStart;
      this.voicedRun++;
      this.quietMs = 0;
      if (!this.speaking && this.voicedRun >= ONSET_FRAMES) {
        this.speaking = true;
        return { type: 'start', atMs: this.voicedRunStartMs };
      }
      return undefined;
    }
    this.voicedRun = 0;
    if (!this.speaking) return undefined;
    this.quietMs += FRAME_MS;
    if (this.quietMs >= this.silenceDurationMs) {
      this.speaking = false;
      this.quietMs = 0;
      return { type: 'stop', atMs: this.positionMs };
    }
    return undefined;
  }
}
