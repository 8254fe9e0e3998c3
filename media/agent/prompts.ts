/**
 * Built-in prompts (media/assets/prompts, raw µ-law 8 kHz): what the caller hears when no model
 * voice is available. Read once per worker thread, on first use, and transcoded once to A-law
 * for PCMA legs. The asset directory is found by walking up from this file to the directory
 * holding package.json, so the same code works from `media/agent/*.ts` (tests) and from
 * `dist/media/agent/*.js` (production, where the assets are not copied).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AudioFormat } from '../call/types.js';
import { ulawDecode, ulawToAlaw } from '../codecs/g711.js';

/** The files of media/assets/prompts (see its README for the words). */
export type BuiltinPrompt = 'provider-error' | 'no-credits' | 'call-rejected';

const PROMPT_RATE = 8000;
const cache = new Map<string, Uint8Array>();
let root: string | null | undefined;

/** The directory with package.json above `from` (default: this module), or null. */
export function packageRoot(from: string = dirname(fileURLToPath(import.meta.url))): string | null {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/**
 * The prompt's audio in the call's logic `format` (µ-law, A-law, or little-endian PCM16 at an
 * integer multiple of 8 kHz for Opus legs), or an empty array when the asset cannot be read (the
 * caller then hears nothing, and the call still ends: a missing file must not keep a failed call
 * open).
 */
export function builtinPrompt(name: BuiltinPrompt, format: AudioFormat): Uint8Array {
  const key = `${name}:${format.encoding}:${format.sampleRate}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const ulaw = format.encoding === 'pcmu' ? readPrompt(name) : builtinPrompt(name, { encoding: 'pcmu', sampleRate: PROMPT_RATE });
  let audio = ulaw;
  if (format.encoding === 'pcma') {
    audio = new Uint8Array(ulaw.length);
    ulawToAlaw(ulaw, audio);
  } else if (format.encoding === 'pcm16') {
    const pcm = new Int16Array(ulaw.length);
    ulawDecode(ulaw, pcm);
    const up = upsample(pcm, Math.max(1, Math.round(format.sampleRate / PROMPT_RATE)));
    audio = new Uint8Array(up.buffer, up.byteOffset, up.byteLength);
  }
  cache.set(key, audio);
  return audio;
}

function readPrompt(name: BuiltinPrompt): Uint8Array {
  if (root === undefined) root = packageRoot();
  if (root === null) return new Uint8Array(0);
  try {
    return new Uint8Array(readFileSync(join(root, 'media', 'assets', 'prompts', `${name}.ulaw`)));
  } catch {
    return new Uint8Array(0);
  }
}

const TAPS_PER_PHASE = 16;

/**
 * Integer-factor upsampling with a Hann-windowed sinc low-pass at the input's Nyquist frequency.
 * Runs once per prompt and worker, not per frame (the streaming resampler in media/codecs loads
 * its WASM with top-level await, which a logic module loaded through `require` cannot import).
 * The output is little-endian PCM16 on the platforms Node runs on.
 */
export function upsample(input: Int16Array, factor: number): Int16Array {
  if (factor === 1) return input.slice();
  // Odd length: the centre tap sits on an input sample, so the output has no fractional delay.
  const taps = TAPS_PER_PHASE * factor + 1;
  const h = new Float64Array(taps);
  const centre = (taps - 1) / 2;
  for (let i = 0; i < taps; i++) {
    const t = (i - centre) / factor;
    const sinc = t === 0 ? 1 : Math.sin(Math.PI * t) / (Math.PI * t);
    h[i] = sinc * (0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 0.5)) / taps));
  }
  const out = new Int16Array(input.length * factor);
  const delay = centre;
  for (let n = 0; n < out.length; n++) {
    let acc = 0;
    // Only every factor-th tap meets an input sample (the zeros of zero-stuffing contribute nothing).
    for (let k = (n + delay) % factor; k < taps; k += factor) {
      const j = (n + delay - k) / factor;
      if (j >= 0 && j < input.length) acc += h[k] * input[j];
    }
    out[n] = Math.max(-32768, Math.min(32767, Math.round(acc)));
  }
  return out;
}
