import { describe, expect, it } from 'vitest';
import {
  ALAW_SILENCE,
  ENERGY_FLOOR_DBFS,
  ULAW_SILENCE,
  alawDecode,
  alawDecodeSample,
  alawEncode,
  alawEncodeSample,
  alawToUlaw,
  pcmEnergyDbfs,
  ulawDecode,
  ulawDecodeSample,
  ulawEncode,
  ulawEncodeSample,
  ulawEnergyDbfs,
  ulawToAlaw,
} from '../../media/codecs/g711.js';

/**
 * The ITU-T G.711 algorithm as the classic Sun g711.c writes it, kept here as the reference the
 * tables are checked against (the same results as the `alawmulaw` package): take sign and
 * magnitude of the 16-bit sample, search the segment whose end point bounds the magnitude, keep
 * the 4 bits below the segment's leading bit, then complement (µ-law) or XOR 0x55 (A-law).
 */
const SEG_END = [0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff, 0x1fff, 0x3fff, 0x7fff];
const BIAS = 0x84;
const CLIP = 32635;

function search(value: number): number {
  for (let seg = 0; seg < SEG_END.length; seg++) if (value <= SEG_END[seg]) return seg;
  return SEG_END.length;
}

function refLinearToUlaw(pcm: number): number {
  let mask: number;
  if (pcm < 0) {
    pcm = -pcm;
    mask = 0x7f;
  } else mask = 0xff;
  if (pcm > CLIP) pcm = CLIP;
  pcm += BIAS;
  const seg = search(pcm);
  if (seg >= 8) return 0x7f ^ mask;
  return ((seg << 4) | ((pcm >> (seg + 3)) & 0x0f)) ^ mask;
}

/**
 * Sun's A-law offsets negative inputs by −8 (`-pcm_val - 8`), which is half a step off the mirror
 * image and sends −1…−7 to a large negative code; G.711 defines the negative half as the mirror
 * of the positive one, so the reference takes the plain magnitude (as alawmulaw does).
 */
function refLinearToAlaw(pcm: number): number {
  let mask: number;
  if (pcm >= 0) mask = 0xd5;
  else {
    mask = 0x55;
    pcm = pcm === -32768 ? 32767 : -pcm;
  }
  const seg = search(pcm);
  if (seg >= 8) return 0x7f ^ mask;
  const step = seg < 2 ? (pcm >> 4) & 0x0f : (pcm >> (seg + 3)) & 0x0f;
  return ((seg << 4) | step) ^ mask;
}

/**
 * Sun's linear2ulaw exactly as published (16-bit input, no clip: the bias is added to the
 * magnitude, `BIAS - pcm_val` for negative values, and a magnitude past segment 7 returns the
 * largest code). A second, literal derivation beside the clipped one above.
 */
function sunLinear2ulaw(pcmVal: number): number {
  let mask: number;
  if (pcmVal < 0) {
    pcmVal = BIAS - pcmVal;
    mask = 0x7f;
  } else {
    pcmVal += BIAS;
    mask = 0xff;
  }
  const seg = search(pcmVal);
  if (seg >= 8) return 0x7f ^ mask;
  const uval = (seg << 4) | ((pcmVal >> (seg + 3)) & 0xf);
  return uval ^ mask;
}

function refUlawToLinear(code: number): number {
  const u = ~code & 0xff;
  let t = ((u & 0x0f) << 3) + BIAS;
  t <<= (u & 0x70) >> 4;
  return u & 0x80 ? BIAS - t : t - BIAS;
}

function refAlawToLinear(code: number): number {
  const a = code ^ 0x55;
  let t = (a & 0x0f) << 4;
  const seg = (a & 0x70) >> 4;
  if (seg === 0) t += 8;
  else if (seg === 1) t += 0x108;
  else t = (t + 0x108) << (seg - 1);
  return a & 0x80 ? t : -t;
}

/** Every 16-bit input, in sample order, and the inputs where `encode` and the reference differ. */
function mismatches(encode: (samples: Int16Array, out: Uint8Array) => number, reference: (pcm: number) => number): number[] {
  const all = new Int16Array(65536);
  for (let i = 0; i < all.length; i++) all[i] = i - 32768;
  const out = new Uint8Array(all.length);
  expect(encode(all, out)).toBe(all.length);
  const bad: number[] = [];
  for (let i = 0; i < all.length; i++) if (out[i] !== reference(all[i])) bad.push(all[i]);
  return bad;
}

describe('G.711 against the reference algorithm, every input', () => {
  it('µ-law encodes all 65,536 samples bit-exact, buffer and single-sample paths alike', () => {
    expect(mismatches(ulawEncode, refLinearToUlaw)).toEqual([]);
    for (let x = -32768; x < 32768; x++) if (ulawEncodeSample(x) !== refLinearToUlaw(x)) expect.fail(`µ-law ${x}`);
    // Where a shift-first encoder goes wrong: tiny negative values must stay (negative) zero.
    expect([-1, -2, -3, -9, -17].map(ulawEncodeSample)).toEqual([0x7f, 0x7f, 0x7f, 0x7e, 0x7d]);
  });

  it('µ-law encodes all 65,536 samples exactly as a table built from Sun\'s published linear2ulaw', () => {
    const table = new Uint8Array(65536);
    for (let x = -32768; x < 32768; x++) table[x & 0xffff] = sunLinear2ulaw(x);
    const all = Int16Array.from({ length: 65536 }, (_, i) => i - 32768);
    const out = new Uint8Array(65536);
    ulawEncode(all, out);
    let differing = 0;
    for (let i = 0; i < all.length; i++) if (out[i] !== table[all[i] & 0xffff]) differing++;
    expect(differing).toBe(0);
    // Segment edges on both sides, where a shift-first encoder was one step off.
    for (const x of [-32768, -32635, -8159, -8031, -4063, -95, -31, -4, -1, 0, 4, 31, 95, 4063, 8031, 8159, 32635, 32767]) {
      expect(ulawEncodeSample(x)).toBe(table[x & 0xffff]);
    }
  });

  it('A-law encodes all 65,536 samples bit-exact', () => {
    expect(mismatches(alawEncode, refLinearToAlaw)).toEqual([]);
    for (let x = -32768; x < 32768; x++) if (alawEncodeSample(x) !== refLinearToAlaw(x)) expect.fail(`A-law ${x}`);
    // Negative edges mirror the positive ones: ±16 both open the second step.
    expect([alawEncodeSample(16), alawEncodeSample(-16), alawEncodeSample(-15)]).toEqual([0xd4, 0x54, 0x55]);
  });

  it('decodes all 256 codes of both laws bit-exact', () => {
    const codes = Uint8Array.from({ length: 256 }, (_, i) => i);
    const u = new Int16Array(256);
    const a = new Int16Array(256);
    ulawDecode(codes, u);
    alawDecode(codes, a);
    for (let c = 0; c < 256; c++) {
      expect(u[c]).toBe(refUlawToLinear(c));
      expect(a[c]).toBe(refAlawToLinear(c));
    }
  });

  it('transcodes µ-law ↔ A-law exactly as decode then encode', () => {
    const codes = Uint8Array.from({ length: 256 }, (_, i) => i);
    const a = new Uint8Array(256);
    const u = new Uint8Array(256);
    ulawToAlaw(codes, a);
    alawToUlaw(codes, u);
    for (let c = 0; c < 256; c++) {
      expect(a[c]).toBe(refLinearToAlaw(refUlawToLinear(c)));
      expect(u[c]).toBe(refLinearToUlaw(refAlawToLinear(c)));
    }
  });
});

describe('G.711 µ-law', () => {
  it('matches reference decode values (ITU-T G.711 / Sun g711.c table)', () => {
    expect(ulawDecodeSample(0xff)).toBe(0);
    expect(ulawDecodeSample(0x7f)).toBe(0);
    expect(ulawDecodeSample(0x00)).toBe(-32124);
    expect(ulawDecodeSample(0x80)).toBe(32124);
    expect(ulawDecodeSample(0x01)).toBe(-31100);
    expect(ulawDecodeSample(0x0f)).toBe(-16764);
    expect(ulawDecodeSample(0x10)).toBe(-15996);
    expect(ulawDecodeSample(0x70)).toBe(-120);
    expect(ulawDecodeSample(0xfe)).toBe(8);
    expect(ulawDecodeSample(0xf0)).toBe(120);
  });

  it('matches reference encode values', () => {
    expect(ulawEncodeSample(0)).toBe(0xff);
    expect(Math.abs(ulawDecodeSample(ulawEncodeSample(-1)))).toBeLessThanOrEqual(8);
    expect(ulawEncodeSample(32767)).toBe(0x80);
    expect(ulawEncodeSample(-32768)).toBe(0x00);
    expect(ulawEncodeSample(99999)).toBe(0x80);
    expect(ulawEncodeSample(8)).toBe(0xfe);
    expect(ULAW_SILENCE).toBe(0xff);
  });

  it('is idempotent: encode(decode(c)) decodes to the same value for every code', () => {
    for (let c = 0; c < 256; c++) {
      const pcm = ulawDecodeSample(c);
      expect(ulawDecodeSample(ulawEncodeSample(pcm))).toBe(pcm);
    }
  });

  it('keeps the quantisation error within one step over the whole range', () => {
    for (let x = -32768; x < 32768; x += 7) {
      const y = ulawDecodeSample(ulawEncodeSample(x));
      // Half a quantisation step (≈ magnitude / 32, 4 in the first segment) plus the 2 bits G.711
      // drops before quantising; beyond the clip level (32635) the error is the clipping.
      expect(Math.abs(y - x)).toBeLessThanOrEqual(Math.max(8, Math.abs(x) / 16) + 4);
    }
  });

  it('encodes and decodes buffers into caller buffers', () => {
    const pcm = Int16Array.from([0, 1000, -1000, 32000, -32000]);
    const enc = new Uint8Array(5);
    const dec = new Int16Array(8);
    expect(ulawEncode(pcm, enc)).toBe(5);
    expect(ulawDecode(enc, dec)).toBe(5);
    for (let i = 0; i < 5; i++) expect(Math.abs(dec[i] - pcm[i])).toBeLessThan(1100);
    expect(dec[5]).toBe(0);
  });
});

describe('G.711 A-law', () => {
  it('matches reference decode values', () => {
    expect(alawDecodeSample(0xd5)).toBe(8);
    expect(alawDecodeSample(0x55)).toBe(-8);
    expect(alawDecodeSample(0xaa)).toBe(32256);
    expect(alawDecodeSample(0x2a)).toBe(-32256);
    expect(alawDecodeSample(0x80)).toBe(5504);
    expect(alawDecodeSample(0x00)).toBe(-5504);
    expect(alawDecodeSample(0xd4)).toBe(24);
  });

  it('matches reference encode values', () => {
    expect(alawEncodeSample(0)).toBe(0xd5);
    expect(alawEncodeSample(-1)).toBe(0x55);
    expect(alawEncodeSample(32767)).toBe(0xaa);
    expect(alawEncodeSample(-32768)).toBe(0x2a);
    expect(ALAW_SILENCE).toBe(0xd5);
  });

  it('is idempotent for every code and round-trips buffers', () => {
    for (let c = 0; c < 256; c++) {
      const pcm = alawDecodeSample(c);
      expect(alawDecodeSample(alawEncodeSample(pcm))).toBe(pcm);
    }
    const pcm = Int16Array.from([0, 500, -500, 20000, -20000]);
    const enc = new Uint8Array(5);
    const dec = new Int16Array(5);
    alawEncode(pcm, enc);
    alawDecode(enc, dec);
    for (let i = 0; i < 5; i++) expect(Math.abs(dec[i] - pcm[i])).toBeLessThan(1100);
  });
});

describe('transcoding and energy', () => {
  it('transcodes µ-law ↔ A-law close to the linear value', () => {
    const all = new Uint8Array(256).map((_, i) => i);
    const a = new Uint8Array(256);
    const u = new Uint8Array(256);
    ulawToAlaw(all, a);
    alawToUlaw(a, u);
    for (let c = 0; c < 256; c++) {
      const x = ulawDecodeSample(c);
      expect(Math.abs(alawDecodeSample(a[c]) - x)).toBeLessThanOrEqual(Math.max(16, Math.abs(x) / 16));
      expect(Math.abs(ulawDecodeSample(u[c]) - x)).toBeLessThanOrEqual(Math.max(16, Math.abs(x) / 8));
    }
  });

  it('reports frame energy in dBFS', () => {
    expect(ulawEnergyDbfs(new Uint8Array(160).fill(0xff))).toBe(ENERGY_FLOOR_DBFS);
    expect(ulawEnergyDbfs(new Uint8Array(0))).toBe(ENERGY_FLOOR_DBFS);
    // A full-scale-ish sine is about -3 dBFS; at -20 dB amplitude about -23 dBFS.
    const pcm = new Int16Array(160);
    for (let i = 0; i < 160; i++) pcm[i] = Math.round(3276.7 * Math.sin((2 * Math.PI * 1000 * i) / 8000));
    const enc = new Uint8Array(160);
    ulawEncode(pcm, enc);
    expect(pcmEnergyDbfs(pcm)).toBeCloseTo(-23.01, 1);
    expect(Math.abs(ulawEnergyDbfs(enc) - -23.01)).toBeLessThan(0.3);
  });
});
