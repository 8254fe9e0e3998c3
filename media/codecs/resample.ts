/**
 * Streaming PCM16 sample-rate conversion between the telephony/model rates (8, 16, 24, 48 kHz, or
 * any pair whose ratio reduces to small integers): a rational L/M polyphase FIR with a
 * Kaiser-windowed sinc anti-alias/anti-image filter. Synchronous, no WASM, no allocation per
 * chunk; state (the filter history and output phase) is kept across chunks, so 20 ms chunks give
 * exactly the samples the whole buffer would. Figures and the comparison with libsamplerate and
 * the speex resampler are in RESAMPLER.md.
 */

export interface Resampler {
  readonly fromRate: number;
  readonly toRate: number;
  /** Convert one chunk into `out`; returns the number of samples written. Size `out` with `maxOutput`. */
  process(input: Int16Array, out: Int16Array): number;
  /**
   * End of stream: with `out`, write the filter's delayed tail (silence pushed through it); then
   * forget the history either way. Returns the number of samples written.
   */
  flush(out?: Int16Array): number;
  /** Forget the history (a new utterance, or barge-in) without producing output. */
  reset(): void;
  /** Largest output `process` can write for an input of `inputLength` samples. */
  maxOutput(inputLength: number): number;
  /** Filter delay in output samples (what `flush` drains). */
  readonly delaySamples: number;
}

export class ResamplerError extends Error {
  readonly code = 'RESAMPLER_UNSUPPORTED_RATE';
  constructor(fromRate: number, toRate: number) {
    super(`unsupported resampling ${fromRate} -> ${toRate}`);
  }
}

/** Design targets: pass to 85 % of the lower Nyquist, ≥ 70 dB down from the lower Nyquist up. */
const PASSBAND_FRACTION = 0.85;
const STOPBAND_DB = 70;
const MAX_FACTOR = 160; // L or M beyond this would mean a huge filter: not a telephony ratio
const BLOCK = 1024; // input samples filtered per inner pass

interface Design {
  up: number; // L
  down: number; // M
  taps: number; // K taps per phase
  /** Phase p's taps at p·K … p·K+K−1, ordered to multiply x[base], x[base−1], … */
  coefs: Float64Array;
}

const designs = new Map<string, Design>();

export function createResampler(fromRate: number, toRate: number): Resampler {
  if (!(fromRate > 0 && toRate > 0) || !Number.isInteger(fromRate) || !Number.isInteger(toRate)) {
    throw new ResamplerError(fromRate, toRate);
  }
  if (fromRate === toRate) return new PassThrough(fromRate);
  const key = `${fromRate}:${toRate}`;
  let design = designs.get(key);
  if (!design) {
    design = designFilter(fromRate, toRate);
    designs.set(key, design);
  }
  return new PolyphaseResampler(fromRate, toRate, design);
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Kaiser-windowed sinc low-pass at the intermediate rate fromRate·L, split into L phases. */
function designFilter(fromRate: number, toRate: number): Design {
  const g = gcd(fromRate, toRate);
  const up = toRate / g;
  const down = fromRate / g;
  if (up > MAX_FACTOR || down > MAX_FACTOR) throw new ResamplerError(fromRate, toRate);
  const fsInt = fromRate * up;
  const nyquist = Math.min(fromRate, toRate) / 2;
  const passEdge = nyquist * PASSBAND_FRACTION;
  const cutoff = (passEdge + nyquist) / 2 / fsInt; // cycles per intermediate sample
  const deltaOmega = (2 * Math.PI * (nyquist - passEdge)) / fsInt;
  // Kaiser's formulas for length and β (Oppenheim & Schafer 7.6).
  const beta = 0.1102 * (STOPBAND_DB - 8.7);
  const length = Math.ceil((STOPBAND_DB - 7.95) / (2.285 * deltaOmega)) + 1;
  const taps = Math.ceil(length / up);
  const n = taps * up;
  const proto = new Float64Array(n);
  const mid = (n - 1) / 2;
  const i0Beta = besselI0(beta);
  for (let i = 0; i < n; i++) {
    const t = i - mid;
    const sinc = t === 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * t) / (Math.PI * t);
    const r = t / mid;
    const w = besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r))) / i0Beta;
    proto[i] = sinc * w * up; // gain L restores the level lost to zero-stuffing
  }
  const coefs = new Float64Array(n);
  for (let p = 0; p < up; p++) {
    for (let k = 0; k < taps; k++) coefs[p * taps + k] = proto[p + k * up];
  }
  return { up, down, taps, coefs };
}

function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  for (let k = 1; k < 50; k++) {
    term *= (x / (2 * k)) * (x / (2 * k));
    sum += term;
    if (term < sum * 1e-12) break;
  }
  return sum;
}

class PolyphaseResampler implements Resampler {
  readonly delaySamples: number;
  private readonly up: number;
  private readonly down: number;
  private readonly taps: number;
  private readonly coefs: Float64Array;
  /** [history (taps − 1) | current block]: the filter reads back from any index into the history. */
  private readonly work: Float64Array;
  private readonly zeros = new Int16Array(BLOCK);
  /** Intermediate-rate time of the next output, relative to the first sample of the next input. */
  private t = 0;

  constructor(
    readonly fromRate: number,
    readonly toRate: number,
    design: Design,
  ) {
    this.up = design.up;
    this.down = design.down;
    this.taps = design.taps;
    this.coefs = design.coefs;
    this.work = new Float64Array(this.taps - 1 + BLOCK);
    this.delaySamples = Math.ceil(((this.taps * this.up - 1) / 2 / this.down));
  }

  maxOutput(inputLength: number): number {
    return Math.ceil((inputLength * this.up) / this.down) + 1;
  }

  process(input: Int16Array, out: Int16Array): number {
    let written = 0;
    for (let start = 0; start < input.length; start += BLOCK) {
      const len = Math.min(BLOCK, input.length - start);
      written = this.processBlock(input, start, len, out, written);
    }
    return written;
  }

  flush(out?: Int16Array): number {
    let written = 0;
    if (out) {
      let remaining = this.taps; // enough input for the last real sample to leave the filter
      while (remaining > 0 && written < out.length) {
        const len = Math.min(remaining, BLOCK);
        written = this.processBlock(this.zeros, 0, len, out, written);
        remaining -= len;
      }
    }
    this.reset();
    return written;
  }

  reset(): void {
    this.work.fill(0);
    this.t = 0;
  }

  private processBlock(input: Int16Array, start: number, len: number, out: Int16Array, written: number): number {
    const hist = this.taps - 1;
    const work = this.work;
    for (let i = 0; i < len; i++) work[hist + i] = input[start + i];
    const { up, down, taps, coefs } = this;
    let t = this.t;
    let base = Math.floor(t / up);
    while (base < len && written < out.length) {
      const phase = t - base * up;
      const c = phase * taps;
      const x = hist + base; // newest input sample this output uses
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let k = 0;
      for (; k + 3 < taps; k += 4) {
        a0 += coefs[c + k] * work[x - k];
        a1 += coefs[c + k + 1] * work[x - k - 1];
        a2 += coefs[c + k + 2] * work[x - k - 2];
        a3 += coefs[c + k + 3] * work[x - k - 3];
      }
      for (; k < taps; k++) a0 += coefs[c + k] * work[x - k];
      const acc = a0 + a1 + a2 + a3;
      out[written++] = acc >= 32767 ? 32767 : acc <= -32768 ? -32768 : Math.round(acc);
      t += down;
      base = Math.floor(t / up);
    }
    // `out` too small (a caller bug): drop the outputs it cannot hold but keep the phase right.
    while (base < len) {
      t += down;
      base = Math.floor(t / up);
    }
    this.t = t - len * up;
    // Keep the last `hist` samples (from the history too, when the block was short).
    work.copyWithin(0, len, len + hist);
    return written;
  }
}

class PassThrough implements Resampler {
  readonly delaySamples = 0;
  constructor(readonly fromRate: number) {}
  get toRate(): number {
    return this.fromRate;
  }
  maxOutput(inputLength: number): number {
    return inputLength;
  }
  process(input: Int16Array, out: Int16Array): number {
    const n = Math.min(input.length, out.length);
    out.set(n === input.length ? input : input.subarray(0, n));
    return n;
  }
  flush(): number {
    return 0;
  }
  reset(): void {}
}
