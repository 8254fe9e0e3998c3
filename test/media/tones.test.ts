/** Ringback tones (E.180): the right frequencies and cadence per region, in the call's codec. */
import { describe, expect, it } from 'vitest';
import { ulawDecode, alawDecode } from '../../media/codecs/g711.js';
import { regionOfNumber, ringback } from '../../media/playout/tones.js';

/** Relative power of `freq` in `pcm` (Goertzel), 0–1 of the total. */
function share(pcm: Int16Array, freq: number, rate = 8000): number {
  const k = (2 * Math.cos((2 * Math.PI * freq) / rate));
  let s1 = 0;
  let s2 = 0;
  let energy = 0;
  for (const x of pcm) {
    const s = x + k * s1 - s2;
    s2 = s1;
    s1 = s;
    energy += x * x;
  }
  const power = s1 * s1 + s2 * s2 - k * s1 * s2;
  return power / (energy * pcm.length / 2 || 1);
}

function decoded(region: 'us' | 'uk' | 'eu', law: 'pcmu' | 'pcma'): Int16Array {
  const tone = ringback(region, { encoding: law, sampleRate: 8000 });
  const pcm = new Int16Array(tone.length);
  (law === 'pcmu' ? ulawDecode : alawDecode)(tone, pcm);
  return pcm;
}

/** ms of sound and of silence, in order, from 10 ms blocks. */
function cadence(pcm: Int16Array): number[] {
  const out: number[] = [];
  let on = true;
  let run = 0;
  for (let i = 0; i + 80 <= pcm.length; i += 80) {
    let e = 0;
    for (let j = i; j < i + 80; j++) e += Math.abs(pcm[j]);
    const loud = e / 80 > 200;
    if (loud !== on) {
      out.push(run);
      run = 0;
      on = loud;
    }
    run += 10;
  }
  out.push(run);
  return out;
}

describe('ringback tones', () => {
  it('Europe: 425 Hz, 1 s on, 4 s off', () => {
    const pcm = decoded('eu', 'pcmu');
    expect(pcm.length).toBe(5 * 8000);
    expect(cadence(pcm)).toEqual([1000, 4000]);
    expect(share(pcm.subarray(0, 8000), 425)).toBeGreaterThan(0.9);
  });

  it('North America: 440 + 480 Hz, 2 s on, 4 s off (A-law too)', () => {
    const pcm = decoded('us', 'pcma');
    expect(cadence(pcm)).toEqual([2000, 4000]);
    const on = pcm.subarray(0, 16000);
    expect(share(on, 440) + share(on, 480)).toBeGreaterThan(0.9);
    expect(share(on, 425)).toBeLessThan(0.2);
  });

  it('UK: 400 + 450 Hz double ring', () => {
    expect(cadence(decoded('uk', 'pcmu'))).toEqual([400, 200, 400, 2000]);
  });

  it('picks the region from the number the caller dialed', () => {
    expect([regionOfNumber('+12125550100'), regionOfNumber('+442071234567'), regionOfNumber('+31850835037'), regionOfNumber(null)]).toEqual(['us', 'uk', 'eu', 'eu']);
  });
});
