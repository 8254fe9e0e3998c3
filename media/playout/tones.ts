/**
 * Call-progress tones (ITU-T E.180 and its national supplements), generated once per format:
 * what a caller hears while a transfer target rings, so a transfer is never silence.
 *   us: 440 + 480 Hz, 2 s on, 4 s off            (ANSI T1.401)
 *   uk: 400 + 450 Hz, 0.4 on, 0.2 off, 0.4 on, 2 s off
 *   eu: 425 Hz, 1 s on, 4 s off                   (CEPT; most of Europe and the default)
 */
import { alawEncode, ulawEncode } from '../codecs/g711.js';
import type { AudioFormat } from '../call/types.js';

export type ToneRegion = 'us' | 'uk' | 'eu';

interface ToneSpec {
  frequencies: number[];
  /** ms on, ms off, … repeated */
  cadence: number[];
}

const RINGBACK: Readonly<Record<ToneRegion, ToneSpec>> = {
  us: { frequencies: [440, 480], cadence: [2000, 4000] },
  uk: { frequencies: [400, 450], cadence: [400, 200, 400, 2000] },
  eu: { frequencies: [425], cadence: [1000, 4000] },
};

/** About -19 dBm0 per component: clearly audible, never louder than speech. */
const AMPLITUDE = 3000;

const cache = new Map<string, Uint8Array>();

/** One whole cadence of the region's ringback, in `format`'s bytes (loop it). */
export function ringback(region: ToneRegion, format: AudioFormat): Uint8Array {
  const key = `${region}:${format.encoding}:${format.sampleRate}`;
  let tone = cache.get(key);
  if (!tone) {
    tone = render(RINGBACK[region], format);
    cache.set(key, tone);
  }
  return tone;
}

/** The ringback a caller of this E.164 number expects (NANP, UK, else the European one). */
export function regionOfNumber(e164: string | null | undefined): ToneRegion {
  if (e164?.startsWith('+1')) return 'us';
  if (e164?.startsWith('+44')) return 'uk';
  return 'eu';
}

function render(spec: ToneSpec, format: AudioFormat): Uint8Array {
  const rate = format.sampleRate;
  const total = spec.cadence.reduce((a, b) => a + b, 0);
  const pcm = new Int16Array(Math.round((total / 1000) * rate));
  let start = 0;
  for (let i = 0; i < spec.cadence.length; i++) {
    const length = Math.round((spec.cadence[i] / 1000) * rate);
    if (i % 2 === 0) {
      for (let n = 0; n < length; n++) {
        let v = 0;
        for (const f of spec.frequencies) v += AMPLITUDE * Math.sin((2 * Math.PI * f * n) / rate);
        pcm[start + n] = v;
      }
    }
    start += length;
  }
  if (format.encoding === 'pcm16') return new Uint8Array(pcm.buffer);
  const out = new Uint8Array(pcm.length);
  (format.encoding === 'pcmu' ? ulawEncode : alawEncode)(pcm, out);
  return out;
}
