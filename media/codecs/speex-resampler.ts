/**
 * Streaming PCM16 sample-rate conversion (8, 16, 24, 48 kHz and other integer rates) through the
 * speex resampler (speexdsp's windowed-sinc resampler, the one Asterisk and FreeSWITCH use),
 * compiled to WASM with SIMD. Chosen over libsamplerate-js and an in-house polyphase FIR on
 * measured quality and CPU: see RESAMPLER.md.
 *
 * The WASM module loads once per thread with `loadResamplerWasm()` (resample.ts awaits it at
 * import); after that `createResampler` is synchronous and each thread has its own instance. This
 * file has no top-level await, so a module required through tsx's CommonJS hook (a media worker's
 * call logic run from sources) can import it and await the load itself. A resampler owns WASM
 * memory: call `destroy()` when the call ends (a FinalizationRegistry frees forgotten ones, late).
 */

import type { SpeexResamplerWasm } from '@echogarden/speex-resampler-wasm/simd';

export interface Resampler {
  readonly fromRate: number;
  readonly toRate: number;
  /**
   * Convert one chunk into `out`; returns the number of samples written. State carries over, so
   * chunks give the same samples as one whole buffer. Size `out` with `maxOutput`: what does not
   * fit is dropped.
   */
  process(input: Int16Array, out: Int16Array): number;
  /** End of stream: with `out`, write the filter's delayed tail; then forget the history. */
  flush(out?: Int16Array): number;
  /** Forget the history (new utterance, barge-in) without producing output. */
  reset(): void;
  /** Largest output `process` writes for `inputLength` input samples. */
  maxOutput(inputLength: number): number;
  /** Free the WASM state. Idempotent; `process` afterwards writes nothing. */
  destroy(): void;
}

export interface ResamplerOptions {
  /** Speex quality 0–10 (default 5: flat to 0.85 × Nyquist, aliasing below −100 dB). */
  quality?: number;
}

export type ResamplerErrorCode = 'RESAMPLER_UNSUPPORTED_RATE' | 'RESAMPLER_INIT_FAILED';

export class ResamplerError extends Error {
  constructor(
    readonly code: ResamplerErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ResamplerError';
  }
}

export const DEFAULT_RESAMPLER_QUALITY = 5;
const MAX_RATIO = 12; // 8 kHz ↔ 96 kHz; beyond that it is not a telephony conversion
const BLOCK_IN = 1024; // input samples per WASM call
const BLOCK_OUT = BLOCK_IN * MAX_RATIO + 16;

let wasm!: SpeexResamplerWasm;
// One scratch area per thread, shared by every resampler: calls are synchronous, never interleaved.
let errPtr = 0;
let lensPtr = 0; // [in_len, out_len] as uint32
let inPtr = 0;
let outPtr = 0;
let freeForgotten: FinalizationRegistry<number>;
let loading: Promise<void> | null = null;

/** Loads the WASM module of this thread (idempotent); `createResampler` works once it resolved. */
export function loadResamplerWasm(): Promise<void> {
  loading ??= import('@echogarden/speex-resampler-wasm/simd').then(async (m) => {
    const w = await m.default();
    errPtr = w._malloc(4);
    lensPtr = w._malloc(8);
    inPtr = w._malloc(BLOCK_IN * 2);
    outPtr = w._malloc(BLOCK_OUT * 2);
    freeForgotten = new FinalizationRegistry<number>((state) => w._speex_resampler_destroy(state));
    wasm = w;
  });
  return loading;
}

export function createResampler(fromRate: number, toRate: number, options: ResamplerOptions = {}): Resampler {
  const valid =
    Number.isInteger(fromRate) && Number.isInteger(toRate) && fromRate > 0 && toRate > 0 &&
    fromRate * MAX_RATIO >= toRate && toRate * MAX_RATIO >= fromRate;
  if (!valid) throw new ResamplerError('RESAMPLER_UNSUPPORTED_RATE', `cannot resample ${fromRate} Hz to ${toRate} Hz`);
  if (fromRate === toRate) return new PassThrough(fromRate);
  if (wasm === undefined) throw new ResamplerError('RESAMPLER_INIT_FAILED', 'the resampler WASM is not loaded (await loadResamplerWasm())');
  return new SpeexResampler(fromRate, toRate, options.quality ?? DEFAULT_RESAMPLER_QUALITY);
}

class SpeexResampler implements Resampler {
  private state: number;

  constructor(
    readonly fromRate: number,
    readonly toRate: number,
    quality: number,
  ) {
    this.state = wasm._speex_resampler_init(1, fromRate, toRate, Math.max(0, Math.min(10, quality | 0)), errPtr);
    if (this.state === 0) {
      throw new ResamplerError('RESAMPLER_INIT_FAILED', `speex_resampler_init failed (${wasm.HEAP32[errPtr >> 2]})`);
    }
    freeForgotten.register(this, this.state, this);
  }

  maxOutput(inputLength: number): number {
    return Math.ceil((inputLength * this.toRate) / this.fromRate) + 2;
  }

  process(input: Int16Array, out: Int16Array): number {
    return this.run(input, input.length, out);
  }

  flush(out?: Int16Array): number {
    if (this.state === 0) return 0;
    let written = 0;
    if (out) {
      // Push the filter's input latency worth of silence through to drain the tail.
      const latency = wasm._speex_resampler_get_input_latency(this.state);
      wasm.HEAP16.fill(0, inPtr >> 1, (inPtr >> 1) + BLOCK_IN);
      for (let left = latency; left > 0; left -= BLOCK_IN) {
        written += this.call(Math.min(left, BLOCK_IN), out, written);
      }
    }
    this.reset();
    return written;
  }

  reset(): void {
    if (this.state !== 0) wasm._speex_resampler_reset_mem(this.state);
  }

  destroy(): void {
    if (this.state === 0) return;
    freeForgotten.unregister(this);
    wasm._speex_resampler_destroy(this.state);
    this.state = 0;
  }

  private run(input: Int16Array, length: number, out: Int16Array): number {
    if (this.state === 0) return 0;
    let written = 0;
    let pos = 0;
    while (pos < length) {
      const n = Math.min(BLOCK_IN, length - pos);
      const heap = wasm.HEAP16; // re-read: the view is replaced if WASM memory ever grows
      const base = inPtr >> 1;
      for (let i = 0; i < n; i++) heap[base + i] = input[pos + i];
      const produced = this.call(n, out, written);
      const consumed = wasm.HEAPU32[lensPtr >> 2];
      written += produced;
      if (consumed === 0) break; // `out` is full: the rest is dropped
      pos += consumed;
    }
    return written;
  }

  /** One speex call on `n` samples already in the input scratch; copies the output to `out`. */
  private call(n: number, out: Int16Array, written: number): number {
    const lens = lensPtr >> 2;
    wasm.HEAPU32[lens] = n;
    wasm.HEAPU32[lens + 1] = Math.min(BLOCK_OUT, out.length - written);
    wasm._speex_resampler_process_int(this.state, 0, inPtr, lensPtr, outPtr, lensPtr + 4);
    const produced = wasm.HEAPU32[lens + 1];
    const heap = wasm.HEAP16;
    const base = outPtr >> 1;
    for (let i = 0; i < produced; i++) out[written + i] = heap[base + i];
    return produced;
  }
}

class PassThrough implements Resampler {
  constructor(readonly fromRate: number) {}
  get toRate(): number {
    return this.fromRate;
  }
  maxOutput(inputLength: number): number {
    return inputLength;
  }
  process(input: Int16Array, out: Int16Array): number {
    const n = Math.min(input.length, out.length);
    for (let i = 0; i < n; i++) out[i] = input[i];
    return n;
  }
  flush(): number {
    return 0;
  }
  reset(): void {}
  destroy(): void {}
}
