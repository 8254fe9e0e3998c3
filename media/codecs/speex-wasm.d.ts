/**
 * Types for the parts of the speex resampler WASM build (@echogarden/speex-resampler-wasm, an
 * Emscripten module of speexdsp's resample.c) that resample.ts calls. The package ships no types.
 */
declare module '@echogarden/speex-resampler-wasm/simd' {
  export interface SpeexResamplerWasm {
    HEAP16: Int16Array;
    HEAP32: Int32Array;
    HEAPU32: Uint32Array;
    _malloc(bytes: number): number;
    _free(ptr: number): void;
    /** speex_resampler_init(nb_channels, in_rate, out_rate, quality, int *err) → state pointer or 0. */
    _speex_resampler_init(channels: number, inRate: number, outRate: number, quality: number, errPtr: number): number;
    _speex_resampler_destroy(state: number): void;
    /** (state, channel, const int16 *in, uint32 *in_len, int16 *out, uint32 *out_len) → error code. */
    _speex_resampler_process_int(state: number, channel: number, inPtr: number, inLenPtr: number, outPtr: number, outLenPtr: number): number;
    _speex_resampler_reset_mem(state: number): number;
    _speex_resampler_get_input_latency(state: number): number;
    _speex_resampler_get_output_latency(state: number): number;
  }
  const loadSpeexResampler: (moduleArg?: object) => Promise<SpeexResamplerWasm>;
  export default loadSpeexResampler;
}
