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
