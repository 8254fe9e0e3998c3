/**
 * Voice activity of the caller's audio, frame by frame, in the call's own format: G.711 is
 * decoded into a preallocated 8 kHz buffer (a table lookup per sample), PCM16 at 24 kHz (Opus
 * legs) is decimated 3:1 for the detector only. Until the VAD WASM has loaded every frame counts
 * as unvoiced. Per frame: no allocation, no await.
 */
import type { AudioFormat } from '../call/types.js';
import { alawDecode, ulawDecode } from '../codecs/g711.js';
import { Fvad, vadLoaded, type VadMode } from './fvad.js';

const RATE = 8000;
const FRAME = 160; // 20 ms at 8 kHz

export class VoiceActivity {
  private vad: Fvad | null = null;
  private readonly pcm = new Int16Array(FRAME);
  /** PCM16 input of an Opus leg arrives as bytes: read through a view sized to the last frame. */
  private wide: Int16Array | null = null;

  constructor(
    private readonly format: AudioFormat,
    private readonly mode: VadMode = 3,
  ) {}

  /** True when the frame holds speech. */
  voiced(frame: Uint8Array): boolean {
    const vad = this.vad ?? this.create();
    if (!vad) return false;
    const enc = this.format.encoding;
    if (enc === 'pcmu' || enc === 'pcma') {
      if (frame.length !== FRAME) return false;
      if (enc === 'pcmu') ulawDecode(frame, this.pcm);
      else alawDecode(frame, this.pcm);
      return vad.process(this.pcm);
    }
    const step = Math.max(1, Math.round(this.format.sampleRate / RATE));
    if (frame.length !== FRAME * step * 2 || frame.byteOffset % 2 !== 0) return false;
    if (!this.wide || this.wide.buffer !== frame.buffer || this.wide.byteOffset !== frame.byteOffset) {
      this.wide = new Int16Array(frame.buffer, frame.byteOffset, FRAME * step);
    }
    for (let i = 0; i < FRAME; i++) this.pcm[i] = this.wide[i * step];
    return vad.process(this.pcm);
  }

  destroy(): void {
    this.vad?.destroy();
    this.vad = null;
  }

  private create(): Fvad | null {
    if (!vadLoaded()) return null;
    this.vad = new Fvad(RATE, FRAME, this.mode);
    return this.vad;
  }
}
