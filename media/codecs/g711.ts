/**
 * G.711 µ-law (PCMU, PT 0) and A-law (PCMA, PT 8), ITU-T G.711, through lookup tables built once
 * at module load: 256-entry decode tables, and encode tables indexed by the top 14 (µ-law) or
 * 13 (A-law) bits of the PCM16 sample — the bits G.711 actually quantises. Buffer-in/buffer-out,
 * caller-provided outputs, no allocation per frame.
 */

const ULAW_BIAS = 0x84;
const ULAW_CLIP14 = 8159; // 14-bit magnitude limit before biasing (32635 >> 2)

/** Decode one µ-law byte (G.711 Table 2a; the classic Sun g711.c expansion). */
function ulawToLinear(code: number): number {
  const u = ~code & 0xff;
  let t = ((u & 0x0f) << 3) + ULAW_BIAS;
  t <<= (u & 0x70) >> 4;
  return u & 0x80 ? ULAW_BIAS - t : t - ULAW_BIAS;
}

/** Decode one A-law byte (G.711 Table 1a; even bits inverted with 0x55). */
function alawToLinear(code: number): number {
  const a = code ^ 0x55;
  let t = (a & 0x0f) << 4;
  const seg = (a & 0x70) >> 4;
  if (seg === 0) t += 8;
  else t = (t + 0x108) << (seg - 1);
  return a & 0x80 ? t : -t;
}

/** Segment (exponent) of a non-negative magnitude against segment end points. */
function segmentOf(value: number, firstEnd: number): number {
  let end = firstEnd;
  for (let seg = 0; seg < 8; seg++) {
    if (value <= end) return seg;
    end = end * 2 + 1;
  }
  return 8;
}

/** Encode a 14-bit signed sample (PCM16 >> 2) to µ-law. */
function linear14ToUlaw(pcm14: number): number {
  let mag = pcm14;
  let mask = 0xff;
  if (mag < 0) {
    mag = -mag;
    mask = 0x7f;
  }
  if (mag > ULAW_CLIP14) mag = ULAW_CLIP14;
  mag += ULAW_BIAS >> 2;
  const seg = segmentOf(mag, 0x3f);
  if (seg >= 8) return 0x7f ^ mask;
  return ((seg << 4) | ((mag >> (seg + 1)) & 0x0f)) ^ mask;
}

/** Encode a 13-bit signed sample (PCM16 >> 3) to A-law. */
function linear13ToAlaw(pcm13: number): number {
  let mag = pcm13;
  let mask = 0xd5;
  if (mag < 0) {
    mask = 0x55;
    mag = -mag - 1;
  }
  const seg = segmentOf(mag, 0x1f);
  if (seg >= 8) return 0x7f ^ mask;
  const mantissa = seg < 2 ? (mag >> 1) & 0x0f : (mag >> seg) & 0x0f;
  return ((seg << 4) | mantissa) ^ mask;
}

const ULAW_DECODE = new Int16Array(256);
const ALAW_DECODE = new Int16Array(256);
const ULAW_ENCODE = new Uint8Array(1 << 14); // index: (pcm >> 2) + 8192
const ALAW_ENCODE = new Uint8Array(1 << 13); // index: (pcm >> 3) + 4096
for (let i = 0; i < 256; i++) {
  ULAW_DECODE[i] = ulawToLinear(i);
  ALAW_DECODE[i] = alawToLinear(i);
}
for (let i = 0; i < ULAW_ENCODE.length; i++) ULAW_ENCODE[i] = linear14ToUlaw(i - 8192);
for (let i = 0; i < ALAW_ENCODE.length; i++) ALAW_ENCODE[i] = linear13ToAlaw(i - 4096);

/** µ-law byte for digital silence (encodes +0). */
export const ULAW_SILENCE = 0xff;
/** A-law byte for digital silence (decodes to +8, the smallest positive step). */
export const ALAW_SILENCE = 0xd5;

export function ulawDecodeSample(code: number): number {
  return ULAW_DECODE[code & 0xff];
}

export function alawDecodeSample(code: number): number {
  return ALAW_DECODE[code & 0xff];
}

/** Encode one PCM16 sample (clamped to the int16 range first). */
export function ulawEncodeSample(pcm: number): number {
  return ULAW_ENCODE[(clamp16(pcm) >> 2) + 8192];
}

export function alawEncodeSample(pcm: number): number {
  return ALAW_ENCODE[(clamp16(pcm) >> 3) + 4096];
}

/** Decode `input` into `out` (length ≥ input.length). Returns the number of samples written. */
export function ulawDecode(input: Uint8Array, out: Int16Array): number {
  const n = Math.min(input.length, out.length);
  for (let i = 0; i < n; i++) out[i] = ULAW_DECODE[input[i]];
  return n;
}

export function alawDecode(input: Uint8Array, out: Int16Array): number {
  const n = Math.min(input.length, out.length);
  for (let i = 0; i < n; i++) out[i] = ALAW_DECODE[input[i]];
  return n;
}

/** Encode PCM16 `input` into `out`. Returns the number of bytes written. */
export function ulawEncode(input: Int16Array, out: Uint8Array): number {
  const n = Math.min(input.length, out.length);
  for (let i = 0; i < n; i++) out[i] = ULAW_ENCODE[(input[i] >> 2) + 8192];
  return n;
}

export function alawEncode(input: Int16Array, out: Uint8Array): number {
  const n = Math.min(input.length, out.length);
  for (let i = 0; i < n; i++) out[i] = ALAW_ENCODE[(input[i] >> 3) + 4096];
  return n;
}

/** Transcode µ-law ↔ A-law through linear PCM, byte for byte (for bridging PCMU and PCMA legs). */
export function ulawToAlaw(input: Uint8Array, out: Uint8Array): number {
  const n = Math.min(input.length, out.length);
  for (let i = 0; i < n; i++) out[i] = ALAW_ENCODE[(ULAW_DECODE[input[i]] >> 3) + 4096];
  return n;
}

export function alawToUlaw(input: Uint8Array, out: Uint8Array): number {
  const n = Math.min(input.length, out.length);
  for (let i = 0; i < n; i++) out[i] = ULAW_ENCODE[(ALAW_DECODE[input[i]] >> 2) + 8192];
  return n;
}

/** Lowest level the energy helpers report, for an all-zero frame. */
export const ENERGY_FLOOR_DBFS = -96;

/**
 * RMS level of a µ-law frame in dBFS (0 dBFS = a full-scale square wave), for voice activity
 * measurement without decoding into a buffer. Empty or silent frames give `ENERGY_FLOOR_DBFS`.
 */
export function ulawEnergyDbfs(frame: Uint8Array): number {
  return energyDbfs(frame, ULAW_DECODE);
}

export function alawEnergyDbfs(frame: Uint8Array): number {
  return energyDbfs(frame, ALAW_DECODE);
}

/** RMS level of a PCM16 frame in dBFS. */
export function pcmEnergyDbfs(frame: Int16Array): number {
  let sum = 0;
  for (let i = 0; i < frame.length; i++) sum += frame[i] * frame[i];
  return toDbfs(sum, frame.length);
}

function energyDbfs(frame: Uint8Array, table: Int16Array): number {
  let sum = 0;
  for (let i = 0; i < frame.length; i++) {
    const s = table[frame[i]];
    sum += s * s;
  }
  return toDbfs(sum, frame.length);
}

function toDbfs(sumSquares: number, n: number): number {
  if (n === 0 || sumSquares === 0) return ENERGY_FLOOR_DBFS;
  const db = 10 * Math.log10(sumSquares / n / (32768 * 32768));
  return db < ENERGY_FLOOR_DBFS ? ENERGY_FLOOR_DBFS : db;
}

function clamp16(x: number): number {
  return x > 32767 ? 32767 : x < -32768 ? -32768 : x | 0;
}
