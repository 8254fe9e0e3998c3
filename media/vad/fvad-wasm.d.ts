/** Types for the parts of @echogarden/fvad-wasm (an Emscripten build of libfvad) that fvad.ts calls. */
declare module '@echogarden/fvad-wasm' {
  export interface FvadWasm {
    HEAP16: Int16Array;
    _malloc(bytes: number): number;
    _free(ptr: number): void;
    _fvad_new(): number;
    _fvad_free(inst: number): void;
    _fvad_reset(inst: number): void;
    /** 0 (quality) … 3 (very aggressive); 0 on success. */
    _fvad_set_mode(inst: number, mode: number): number;
    /** 8000, 16000, 32000 or 48000; 0 on success. */
    _fvad_set_sample_rate(inst: number, rate: number): number;
    /** 10, 20 or 30 ms of int16 samples: 1 voiced, 0 not, -1 bad length. */
    _fvad_process(inst: number, framePtr: number, length: number): number;
  }
  const loadFvad: (moduleArg?: object) => Promise<FvadWasm>;
  export default loadFvad;
}
