/**
 * Streaming PCM16 sample-rate conversion (speex resampler, WASM SIMD; see RESAMPLER.md and
 * speex-resampler.ts). Importing this module loads the WASM (top-level await), so
 * `createResampler` is usable at once; code that cannot use a top-level await (call logic
 * required through tsx's CommonJS hook) imports speex-resampler.ts and awaits
 * `loadResamplerWasm()` itself.
 */
import { loadResamplerWasm } from './speex-resampler.js';

await loadResamplerWasm();

export * from './speex-resampler.js';
