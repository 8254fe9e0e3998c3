/**
 * Test audio: speech-like signals, silence, G.711 coding, 20 ms frame slicing and energy.
 *
 * "Speech-like" = a voiced source (a 120–180 Hz fundamental with decaying harmonics) shaped into
 * syllables of ~250 ms by a raised-cosine envelope, with the harmonic weights changing per
 * syllable as formants would. Its frame energy sits around −20 dBFS and never falls into the
 * −40 dBFS band energy VADs treat as silence, so one utterance is one turn. Everything is
 * deterministic (seeded), so tests and benchmarks see the same bytes each run.
 *
 * Codecs come from `media/codecs/g711.ts`, the engine's own tables.
 */
import {
  alawDecode,
  alawEncode,
  ENERGY_FLOOR_DBFS,
  pcmEnergyDbfs,
  ULAW_SILENCE,
  ALAW_SILENCE,
  ulawDecode,
  ulawEncode,
  ulawEnergyDbfs,
} from '../../media/codecs/g711.js';

export { ENERGY_FLOOR_DBFS, ULAW_SILENCE, ALAW_SILENCE };

/** Samples (and µ-law bytes) in one 20 ms frame at 8 kHz. */
export const FRAME_SAMPLES_8K = 160;
export const FRAME_MS = 20;

export interface SpeechOptions {
  sampleRate?: number;
  /** Peak level as a fraction of full scale (default 0.25 ≈ −20 dBFS RMS in voiced parts). */
  level?: number;
  /** Seed of the deterministic variation between syllables. */
  seed?: number;
  /** Syllables per second (default 4). */
  syllableRate?: number;
}

/** A tiny deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Speech-like PCM16 of `durationMs`. */
export function speechPcm(durationMs: number, opts: SpeechOptions = {}): Int16Array {
  const rate = opts.sampleRate ?? 8000;
  const level = opts.level ?? 0.25;
  const syllableRate = opts.syllableRate ?? 4;
  const random = prng(opts.seed ?? 1);
  const n = Math.round((durationMs * rate) / 1000);
  const out = new Int16Array(n);
  const syllableSamples = Math.max(1, Math.round(rate / syllableRate));
  let f0 = 150;
  let weights = [1, 0.6, 0.4, 0.3, 0.2];
  let phase = 0;
  for (let i = 0; i < n; i++) {
    const inSyllable = i % syllableSamples;
    if (inSyllable === 0) {
      f0 = 120 + random() * 60;
      weights = weights.map(() => 0.2 + random() * 0.8);
    }
    // Raised cosine between 0.35 and 1: syllables rise and fall but never go silent.
    const env = 0.35 + 0.65 * (0.5 - 0.5 * Math.cos((2 * Math.PI * inSyllable) / syllableSamples));
    phase += (2 * Math.PI * f0) / rate;
    let s = 0;
    for (let h = 0; h < weights.length; h++) {
      if (f0 * (h + 1) < rate / 2) s += (weights[h] / (h + 1)) * Math.sin(phase * (h + 1));
    }
    out[i] = Math.round(Math.max(-1, Math.min(1, (s / 1.6) * env * level * 2)) * 32767);
  }
  return out;
}

/** A pure tone, for tests that want a known frequency. */
export function tonePcm(durationMs: number, freqHz: number, level = 0.25, sampleRate = 8000): Int16Array {
  const n = Math.round((durationMs * sampleRate) / 1000);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round(level * 32767 * Math.sin((2 * Math.PI * freqHz * i) / sampleRate));
  return out;
}

export function silencePcm(durationMs: number, sampleRate = 8000): Int16Array {
  return new Int16Array(Math.round((durationMs * sampleRate) / 1000));
}

export function encodeMulaw(pcm: Int16Array): Uint8Array {
  const out = new Uint8Array(pcm.length);
  ulawEncode(pcm, out);
  return out;
}

export function decodeMulaw(bytes: Uint8Array): Int16Array {
  const out = new Int16Array(bytes.length);
  ulawDecode(bytes, out);
  return out;
}

export function encodeAlaw(pcm: Int16Array): Uint8Array {
  const out = new Uint8Array(pcm.length);
  alawEncode(pcm, out);
  return out;
}

export function decodeAlaw(bytes: Uint8Array): Int16Array {
  const out = new Int16Array(bytes.length);
  alawDecode(bytes, out);
  return out;
}

/** PCM16 → little-endian bytes (the `audio/pcm` wire format). */
export function pcm16ToBytes(pcm: Int16Array): Uint8Array {
  const out = new Uint8Array(pcm.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < pcm.length; i++) view.setInt16(i * 2, pcm[i], true);
  return out;
}

export function bytesToPcm16(bytes: Uint8Array): Int16Array {
  const n = bytes.length >> 1;
  const out = new Int16Array(n);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < n; i++) out[i] = view.getInt16(i * 2, true);
  return out;
}

export function mulawSpeech(durationMs: number, opts: Omit<SpeechOptions, 'sampleRate'> = {}): Uint8Array {
  return encodeMulaw(speechPcm(durationMs, { ...opts, sampleRate: 8000 }));
}

export function mulawSilence(durationMs: number): Uint8Array {
  return new Uint8Array(Math.round(durationMs * 8)).fill(ULAW_SILENCE);
}

export type Segment = { speech: number; seed?: number } | { silence: number };

/** An utterance script, e.g. `[{silence: 200}, {speech: 800}, {silence: 700}]`, as µ-law. */
export function mulawUtterance(segments: readonly Segment[]): Uint8Array {
  const parts = segments.map((seg) => ('speech' in seg ? mulawSpeech(seg.speech, { seed: seg.seed }) : mulawSilence(seg.silence)));
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Slices into frames of `frameBytes` (default one 20 ms µ-law frame); pads the last with `pad`. */
export function sliceFrames(bytes: Uint8Array, frameBytes = FRAME_SAMPLES_8K, pad = ULAW_SILENCE): Uint8Array[] {
  const frames: Uint8Array[] = [];
  for (let offset = 0; offset < bytes.length; offset += frameBytes) {
    if (offset + frameBytes <= bytes.length) {
      frames.push(bytes.subarray(offset, offset + frameBytes));
    } else {
      const last = new Uint8Array(frameBytes).fill(pad);
      last.set(bytes.subarray(offset));
      frames.push(last);
    }
  }
  return frames;
}

/** RMS level in dBFS of µ-law bytes or PCM16 samples. */
export function energyDbfs(audio: Uint8Array | Int16Array): number {
  return audio instanceof Int16Array ? pcmEnergyDbfs(audio) : ulawEnergyDbfs(audio);
}

/** Voice activity threshold used by the fakes and the latency harness (research/sip-media.md §5.3). */
export const VOICED_THRESHOLD_DBFS = -40;

export function isVoiced(audio: Uint8Array | Int16Array, thresholdDbfs = VOICED_THRESHOLD_DBFS): boolean {
  return energyDbfs(audio) > thresholdDbfs;
}

/** Milliseconds of µ-law audio. */
export function mulawDurationMs(bytes: Uint8Array | number): number {
  return (typeof bytes === 'number' ? bytes : bytes.length) / 8;
}
