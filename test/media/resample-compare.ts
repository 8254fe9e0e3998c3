/**
 * Resampler comparison behind media/codecs/RESAMPLER.md: voxgate's `createResampler` (speex, WASM
 * SIMD, quality 5) against other speex qualities and libsamplerate-js when installed. The in-house
 * polyphase FIR candidate is media/codecs/resample.ts at commit 85c6d26 (this script at that commit
 * measures it). Run: npx tsx test/media/resample-compare.ts
 * Per conversion: gain at 1 kHz and at 0.85 × the lower Nyquist, aliasing (down) or imaging (up)
 * near the band edge and worst over a sweep, THD+N of a −6 dBFS 1 kHz tone, CPU in ms per second
 * of audio processed in 20 ms chunks.
 */
import { createResampler } from '../../media/codecs/resample.js';

type Chunker = (input: Int16Array, out: Int16Array) => number;
interface Impl {
  name: string;
  make(from: number, to: number): Promise<Chunker>;
}

function tone(rate: number, seconds: number, freq: number, amp: number): Int16Array {
  const n = Math.round(rate * seconds);
  const x = new Int16Array(n);
  for (let i = 0; i < n; i++) x[i] = Math.round(amp * Math.sin((2 * Math.PI * freq * i) / rate));
  return x;
}

/** Amplitude of `freq` over [start, start+rate) (one second: integer cycles for integer freq). */
function amplitudeAt(y: Int16Array, rate: number, freq: number, start: number): number {
  let c = 0;
  let s = 0;
  for (let i = 0; i < rate; i++) {
    const ph = (2 * Math.PI * freq * (start + i)) / rate;
    c += y[start + i] * Math.cos(ph);
    s += y[start + i] * Math.sin(ph);
  }
  return (2 / rate) * Math.hypot(c, s);
}

function thdN(y: Int16Array, rate: number, freq: number, start: number): number {
  let c = 0;
  let s = 0;
  for (let i = 0; i < rate; i++) {
    const ph = (2 * Math.PI * freq * (start + i)) / rate;
    c += y[start + i] * Math.cos(ph);
    s += y[start + i] * Math.sin(ph);
  }
  c *= 2 / rate;
  s *= 2 / rate;
  let sig = 0;
  let res = 0;
  for (let i = 0; i < rate; i++) {
    const ph = (2 * Math.PI * freq * (start + i)) / rate;
    const fit = c * Math.cos(ph) + s * Math.sin(ph);
    sig += fit * fit;
    res += (y[start + i] - fit) ** 2;
  }
  return 10 * Math.log10(res / sig);
}

async function run(chunker: Chunker, from: number, input: Int16Array, to: number): Promise<Int16Array> {
  const chunk = from / 50;
  const out = new Int16Array(Math.ceil((input.length * to) / from) + 4096);
  const tmp = new Int16Array(Math.ceil((chunk * to) / from) + 2048);
  let n = 0;
  for (let i = 0; i + chunk <= input.length; i += chunk) {
    const k = chunker(input.subarray(i, i + chunk), tmp);
    out.set(tmp.subarray(0, k), n);
    n += k;
  }
  return out.subarray(0, n);
}

const chosen: Impl = {
  name: 'createResampler (speex q5 SIMD)',
  async make(from, to) {
    const r = createResampler(from, to);
    return (input, out) => r.process(input, out);
  },
};

async function optionalImpls(): Promise<Impl[]> {
  const impls: Impl[] = [];
  try {
    const lsr = await import('@alexanderolsen/libsamplerate-js' as string);
    for (const [label, type] of [['SINC_FASTEST', 2]] as const) {
      impls.push({
        name: `libsamplerate ${label}`,
        async make(from, to) {
          const src = await lsr.create(1, from, to, { converterType: type });
          const fin = new Float32Array(from / 50);
          const fout = new Float32Array(to / 50 + 1024);
          const len = { frames: 0 };
          return (input, out) => {
            for (let i = 0; i < input.length; i++) fin[i] = input[i] / 32768;
            src.full(fin.subarray(0, input.length), fout, len);
            for (let i = 0; i < len.frames; i++) out[i] = Math.max(-32768, Math.min(32767, Math.round(fout[i] * 32768)));
            return len.frames;
          };
        },
      });
    }
  } catch {
    console.error('libsamplerate-js not installed: skipped');
  }
  try {
    for (const [variant, spec, qualities] of [
      ['', '@echogarden/speex-resampler-wasm', [3, 5]],
      [' SIMD', '@echogarden/speex-resampler-wasm/simd', [3, 7]],
    ] as const) {
    const mod = await import(spec as string);
    const m = await mod.default();
    for (const quality of qualities) {
      impls.push({
        name: `speex quality ${quality}${variant}`,
        async make(from, to) {
          const err = m._malloc(4);
          const st = m._speex_resampler_init(1, from, to, quality, err);
          const inPtr = m._malloc(2 * 2048);
          const outPtr = m._malloc(2 * 8192);
          const lens = m._malloc(8);
          return (input, out) => {
            m.HEAP16.set(input, inPtr >> 1);
            m.HEAPU32[lens >> 2] = input.length;
            m.HEAPU32[(lens >> 2) + 1] = out.length;
            m._speex_resampler_process_int(st, 0, inPtr, lens, outPtr, lens + 4);
            const n = m.HEAPU32[(lens >> 2) + 1];
            out.set(m.HEAP16.subarray(outPtr >> 1, (outPtr >> 1) + n));
            return n;
          };
        },
      });
    }
    }
  } catch {
    console.error('speex-resampler-wasm not installed: skipped');
  }
  return impls;
}

const PAIRS: [number, number][] = [
  [16000, 8000], [24000, 8000], [48000, 8000], [48000, 24000], [24000, 16000], [48000, 16000],
  [8000, 16000], [8000, 24000], [8000, 48000], [16000, 24000], [24000, 48000],
];

/** Level (dB re the input amplitude) of `outFreq` in the output when a tone at `inFreq` goes in. */
async function levelDb(impl: Impl, from: number, to: number, inFreq: number, outFreq: number): Promise<number> {
  const y = await run(await impl.make(from, to), from, tone(from, 2, inFreq, 16384), to);
  return 20 * Math.log10(amplitudeAt(y, to, outFreq, to / 2) / 16384);
}

/** Where a tone at `f` (Hz) lands after sampling at `rate`. */
function fold(f: number, rate: number): number {
  const r = f % rate;
  return r > rate / 2 ? rate - r : r;
}

async function measure(impl: Impl, from: number, to: number) {
  const ny = Math.min(from, to) / 2;
  const gainDb = await levelDb(impl, from, to, 1000, 1000);
  const edgeDb = await levelDb(impl, from, to, 0.85 * ny, 0.85 * ny);
  let nearDb: number;
  let worstDb = -Infinity;
  if (to < from) {
    // Down-sampling: tones above the output Nyquist must not fold back.
    nearDb = await levelDb(impl, from, to, 1.05 * ny, fold(1.05 * ny, to));
    for (let f = 1.1 * ny; f < from / 2; f += (from / 2 - ny) / 8) {
      worstDb = Math.max(worstDb, await levelDb(impl, from, to, Math.round(f), fold(Math.round(f), to)));
    }
  } else {
    // Up-sampling: a tone at f has images at from − f, from + f, …; the nearest one matters most.
    nearDb = await levelDb(impl, from, to, 0.95 * ny, from - 0.95 * ny);
    for (let f = 0.1 * ny; f <= 0.85 * ny; f += 0.75 * ny / 8) {
      worstDb = Math.max(worstDb, await levelDb(impl, from, to, Math.round(f), from - Math.round(f)));
    }
  }
  const pass = await run(await impl.make(from, to), from, tone(from, 2, 1000, 16384), to);
  const thd = thdN(pass, to, 1000, to / 2);
  const chunker = await impl.make(from, to);
  const long = tone(from, 20, 440, 8000);
  const t0 = performance.now();
  await run(chunker, from, long, to);
  const msPerSecond = (performance.now() - t0) / 20;
  return { gainDb, edgeDb, nearDb, worstDb, thd, msPerSecond };
}

const impls = [chosen, ...(await optionalImpls())];
const rows: string[] = [
  '| conversion | implementation | gain 1 kHz dB | gain 0.85·Ny dB | alias/image 1.05·Ny dB | worst alias/image dB | THD+N dB | CPU ms/s |',
  '|---|---|---|---|---|---|---|---|',
];
const fmt = (x: number) => (x < -120 ? '< −120' : x.toFixed(1));
for (const [from, to] of PAIRS) {
  for (const impl of impls) {
    const r = await measure(impl, from, to);
    rows.push(
      `| ${from / 1000}k→${to / 1000}k | ${impl.name} | ${r.gainDb.toFixed(2)} | ${r.edgeDb.toFixed(2)} | ${fmt(r.nearDb)} | ${fmt(r.worstDb)} | ${r.thd.toFixed(1)} | ${r.msPerSecond.toFixed(2)} |`,
    );
  }
}
console.log(rows.join('\n'));
