/**
 * WebRTC VAD (libfvad compiled to WASM, `@echogarden/fvad-wasm`): a few µs per 20 ms frame at
 * 8 kHz (research/pipeline.md §1.3), synchronous once loaded. The WASM loads once per thread,
 * asynchronously (`loadVad()`, awaited while the phone rings); it is imported dynamically because
 * a module required through tsx's CommonJS hook (media workers from sources) cannot use a
 * top-level await.
 */
import type { FvadWasm } from '@echogarden/fvad-wasm';

let wasm: FvadWasm | null = null;
let loading: Promise<FvadWasm> | null = null;

/** Loads the WASM module of this thread (idempotent). */
export function loadVad(): Promise<void> {
  loading ??= import('@echogarden/fvad-wasm').then(async (m) => (wasm = await m.default()));
  return loading.then(() => undefined);
}

export function vadLoaded(): boolean {
  return wasm !== null;
}

/** Aggressiveness 0–3; 3 (fewest false positives on noise) is what the measurements used. */
export type VadMode = 0 | 1 | 2 | 3;

/** One libfvad instance over a fixed frame size; `process` reads int16 samples, allocates nothing. */
export class Fvad {
  private inst: number;
  private readonly ptr: number;

  constructor(
    readonly sampleRate: 8000 | 16000 | 32000 | 48000,
    readonly frameSamples: number,
    mode: VadMode = 3,
  ) {
    if (!wasm) throw new Error('the VAD WASM is not loaded (await loadVad())');
    this.inst = wasm._fvad_new();
    wasm._fvad_set_mode(this.inst, mode);
    if (wasm._fvad_set_sample_rate(this.inst, sampleRate) !== 0) throw new Error(`fvad does not take ${sampleRate} Hz`);
    this.ptr = wasm._malloc(frameSamples * 2);
  }

  /** True when the frame (exactly `frameSamples` samples, no more) holds speech. */
  process(samples: Int16Array): boolean {
    const w = wasm as FvadWasm;
    if (this.inst === 0) return false;
    // Callers pass exactly one frame (a view would be an allocation per frame).
    w.HEAP16.set(samples, this.ptr >> 1);
    return w._fvad_process(this.inst, this.ptr, this.frameSamples) === 1;
  }

  reset(): void {
    if (this.inst !== 0) wasm?._fvad_reset(this.inst);
  }

  destroy(): void {
    if (this.inst === 0 || !wasm) return;
    wasm._fvad_free(this.inst);
    wasm._free(this.ptr);
    this.inst = 0;
  }
}
