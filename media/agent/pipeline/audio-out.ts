/**
 * TTS audio → the call's own format (the playout queue's): µ-law 8 kHz passes through on PCMU
 * legs and is converted byte-wise on PCMA legs; PCM16 is resampled (speex, media/codecs) to
 * 8 kHz and encoded, or to the rate of a PCM16 leg. One converter per reply (the resampler keeps
 * its history between chunks of a stream); chunks are a few per sentence, not per frame.
 */
import type { AudioFormat } from '../../call/types.js';
import { alawEncode, ulawDecode, ulawEncode, ulawToAlaw } from '../../codecs/g711.js';
import { createResampler, type Resampler } from '../../codecs/speex-resampler.js';
import type { TtsAudio } from '../../providers/tts.js';

export class AudioOut {
  private resampler: Resampler | null = null;

  constructor(private readonly leg: AudioFormat) {}

  /** Bytes per millisecond of the output. */
  get bytesPerMs(): number {
    return this.leg.encoding === 'pcm16' ? (this.leg.sampleRate / 1000) * 2 : 8;
  }

  convert(audio: TtsAudio): Uint8Array {
    const leg = this.leg;
    if (audio.encoding === 'ulaw') {
      if (leg.encoding === 'pcmu') return audio.data;
      if (leg.encoding === 'pcma') {
        const out = new Uint8Array(audio.data.length);
        ulawToAlaw(audio.data, out);
        return out;
      }
      const pcm = new Int16Array(audio.data.length);
      ulawDecode(audio.data, pcm);
      return this.pcmOut(pcm, 8000);
    }
    const even = audio.data.byteOffset % 2 === 0 ? audio.data : audio.data.slice();
    return this.pcmOut(new Int16Array(even.buffer, even.byteOffset, even.byteLength >> 1), audio.sampleRate);
  }

  destroy(): void {
    this.resampler?.destroy();
    this.resampler = null;
  }

  private pcmOut(pcm: Int16Array, rate: number): Uint8Array {
    const target = this.leg.encoding === 'pcm16' ? this.leg.sampleRate : 8000;
    let samples = pcm;
    if (rate !== target) {
      if (!this.resampler || this.resampler.fromRate !== rate) {
        this.resampler?.destroy();
        this.resampler = createResampler(rate, target);
      }
      const out = new Int16Array(this.resampler.maxOutput(pcm.length));
      samples = out.subarray(0, this.resampler.process(pcm, out));
    }
    if (this.leg.encoding === 'pcm16') return new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
    const out = new Uint8Array(samples.length);
    if (this.leg.encoding === 'pcmu') ulawEncode(samples, out);
    else alawEncode(samples, out);
    return out;
  }
}
