import { describe, expect, it } from 'vitest';
import { ResamplerError, createResampler, type Resampler } from '../../media/codecs/resample.js';

function tone(rate: number, seconds: number, freq: number, amp = 16384): Int16Array {
  const x = new Int16Array(Math.round(rate * seconds));
  for (let i = 0; i < x.length; i++) x[i] = Math.round(amp * Math.sin((2 * Math.PI * freq * i) / rate));
  return x;
}

/** Amplitude of `freq` over one second of `y` starting at `start` (integer cycles). */
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

/** Resample `input` in 20 ms chunks and concatenate the output. */
function chunked(r: Resampler, input: Int16Array): Int16Array {
  const chunk = r.fromRate / 50;
  const out = new Int16Array(r.maxOutput(input.length) + 64);
  const tmp = new Int16Array(r.maxOutput(chunk));
  let n = 0;
  for (let i = 0; i < input.length; i += chunk) {
    const k = r.process(input.subarray(i, Math.min(i + chunk, input.length)), tmp);
    out.set(tmp.subarray(0, k), n);
    n += k;
  }
  return out.subarray(0, n);
}

const db = (ratio: number) => 20 * Math.log10(ratio);

describe('createResampler', () => {
  it.each([
    [16000, 8000, 5000],
    [24000, 8000, 5000],
    [48000, 8000, 4500],
    [48000, 24000, 14000],
    [24000, 16000, 9000],
  ])('%i → %i attenuates a %i Hz tone above the target Nyquist by ≥ 40 dB', (from, to, f) => {
    const r = createResampler(from, to);
    const y = chunked(r, tone(from, 2, f));
    const alias = Math.abs(to - f); // where the tone would fold to
    expect(db(amplitudeAt(y, to, alias, to / 2) / 16384)).toBeLessThan(-40);
    r.destroy();
  });

  it.each([
    [8000, 16000],
    [8000, 24000],
    [8000, 48000],
    [16000, 8000],
    [24000, 8000],
    [48000, 8000],
    [16000, 24000],
    [24000, 16000],
    [24000, 48000],
    [48000, 24000],
  ])('%i → %i keeps a 1 kHz tone within 1 dB and at the right length', (from, to) => {
    const r = createResampler(from, to);
    const y = chunked(r, tone(from, 2, 1000));
    expect(y.length).toBe(2 * to); // integer ratios: exactly ratio × input per 20 ms chunk
    expect(Math.abs(db(amplitudeAt(y, to, 1000, to / 2) / 16384))).toBeLessThan(1);
    r.destroy();
  });

  it('rejects images when up-sampling 8 kHz → 24 kHz (3 kHz tone, image at 5 kHz)', () => {
    const r = createResampler(8000, 24000);
    const y = chunked(r, tone(8000, 2, 3000));
    expect(db(amplitudeAt(y, 24000, 5000, 12000) / 16384)).toBeLessThan(-40);
    expect(Math.abs(db(amplitudeAt(y, 24000, 3000, 12000) / 16384))).toBeLessThan(1);
    r.destroy();
  });

  it('gives the same samples in 20 ms chunks as in one call (no clicks at chunk boundaries)', () => {
    const input = tone(24000, 1, 440, 12000);
    const whole = createResampler(24000, 8000);
    const all = new Int16Array(whole.maxOutput(input.length));
    const n = whole.process(input, all);
    const inChunks = chunked(createResampler(24000, 8000), input);
    expect(inChunks.length).toBe(n);
    let maxDiff = 0;
    for (let i = 0; i < n; i++) maxDiff = Math.max(maxDiff, Math.abs(inChunks[i] - all[i]));
    expect(maxDiff).toBeLessThanOrEqual(1);
    // No click: sample-to-sample steps stay within what a 440 Hz tone at this level can do.
    const maxStep = (2 * Math.PI * 440 * 12000) / 8000;
    for (let i = 1000; i < n; i++) expect(Math.abs(inChunks[i] - inChunks[i - 1])).toBeLessThan(maxStep * 1.05);
  });

  it('flush drains the delayed tail, reset forgets the history', () => {
    const r = createResampler(8000, 16000);
    const out = new Int16Array(r.maxOutput(160));
    r.process(tone(8000, 0.02, 1000), out);
    const tail = new Int16Array(256);
    const t = r.flush(tail);
    expect(t).toBeGreaterThan(0);
    expect(tail.subarray(0, t).some((v) => v !== 0)).toBe(true);
    // After flush/reset the history is silence: silence in gives silence out.
    r.process(tone(8000, 0.02, 1000), out);
    r.reset();
    const n = r.process(new Int16Array(160), out);
    expect(n).toBe(320);
    expect(out.subarray(0, n).every((v) => v === 0)).toBe(true);
    r.destroy();
    expect(r.process(new Int16Array(160), out)).toBe(0);
    r.destroy(); // idempotent
  });

  it('passes same-rate audio through and rejects unsupported rates with a coded error', () => {
    const r = createResampler(8000, 8000);
    const out = new Int16Array(3);
    expect(r.process(Int16Array.from([1, -2, 3]), out)).toBe(3);
    expect([...out]).toEqual([1, -2, 3]);
    expect(() => createResampler(8000, 0)).toThrow(ResamplerError);
    expect(() => createResampler(8000.5, 16000)).toThrow(ResamplerError);
    try {
      createResampler(8000, 192000);
    } catch (err) {
      expect((err as ResamplerError).code).toBe('RESAMPLER_UNSUPPORTED_RATE');
    }
  });

  it('drops what does not fit in a short output buffer without corrupting later chunks', () => {
    const r = createResampler(8000, 48000);
    const small = new Int16Array(100);
    expect(r.process(tone(8000, 0.02, 1000), small)).toBe(100);
    const out = new Int16Array(r.maxOutput(160));
    const n = r.process(tone(8000, 0.02, 1000), out);
    expect(n).toBeGreaterThan(900);
    expect(n).toBeLessThanOrEqual(r.maxOutput(160));
    r.destroy();
  });
});
