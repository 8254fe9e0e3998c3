/**
 * G.711 µ-law (PCMU, PT 0) and A-law (PCMA, PT 8), ITU-T G.711, through lookup tables built once
 * at module load: 256-entry decode tables and 65,536-entry encode tables indexed by the PCM16
 * sample itself (64 KiB each). Encoding is bit-exact with the classic Sun g711.c algorithm (the
 * one `alawmulaw` follows) for every 16-bit input: sign and magnitude first, then bias, clip and
 * segment on the magnitude, so negative samples mirror positive ones exactly. Shifting the
 * two's-complement sample before taking its magnitude (as a 14-bit table index would) moves
 * negative inputs at segment edges one step down. Buffer-in/buffer-out, caller-provided outputs,
 * no allocation per frame.
 */

const ULAW_BIAS = 0x84;
/** Largest magnitude µ-law keeps; with the bias it fills exactly 15 bits (32635 + 132 = 0x7FFF). */
const ULAW_CLIP = 32635;
const ALAW_CLIP = 0x7fff;

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

/** Index of the highest set bit of a positive integer. */
function topBit(value: number): number {
  return 31 - Math.clz32(value);
}

/** µ-law code of one PCM16 sample: sign, 3-bit segment, 4-bit step, every bit inverted. */
function linearToUlaw(pcm: number): number {
  const negative = pcm < 0;
  let mag = negative ? -pcm : pcm;
  if (mag > ULAW_CLIP) mag = ULAW_CLIP;
  mag += ULAW_BIAS; // 132…32767: the top bit is bit 7 (segment 0) to bit 14 (segment 7)
  const seg = topBit(mag) - 7;
  const step = (mag >> (seg + 3)) & 0x0f;
  return ~((negative ? 0x80 : 0) | (seg << 4) | step) & 0xff;
}

/** A-law code of one PCM16 sample: sign (1 = positive), 3-bit segment, 4-bit step, XOR 0x55. */
function linearToAlaw(pcm: number): number {
  const negative = pcm < 0;
  let mag = negative ? -pcm : pcm;
  if (mag > ALAW_CLIP) mag = ALAW_CLIP;
  // Segments 0 and 1 share the step size 16; above, each segment doubles it.
  const seg = mag < 0x100 ? 0 : topBit(mag) - 7;
  const step = (mag >> (seg < 2 ? 4 : seg + 3)) & 0x0f;
  return ((negative ? 0 : 0x80) | (seg << 4) | step) ^ 0x55;
}

const ULAW_DECODE = new Int16Array(256);
const ALAW_DECODE = new Int16Array(256);
/** Index: the sample's 16 bits (`pcm & 0xffff`). */
const ULAW_ENCODE = new Uint8Array(1 << 16);
const ALAW_ENCODE = new Uint8Array(1 << 16);
/** µ-law ↔ A-law through linear PCM, one lookup per byte. */
const ULAW_TO_ALAW = new Uint8Array(256);
const ALAW_TO_ULAW = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  ULAW_DECODE[i] = ulawToLinear(i);
  ALAW_DECODE[i] = alawToLinear(i);
}
for (let pcm = -32768; pcm < 32768; pcm++) {
  ULAW_ENCODE[pcm & 0xffff] = linearToUlaw(pcm);
  ALAW_ENCODE[pcm & 0xffff] = linearToAlaw(pcm);
}
for (let i = 0; i < 256; i++) {
  ULAW_TO_ALAW[i] = ALAW_ENCODE[ULAW_DECODE[i] & 0xffff];
  ALAW_TO_ULAW[i] = ULAW_ENCODE[ALAW_DECODE[i] & 0xffff];
}

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
  return ULAW_ENCODE[clamp16(pcm) & 0xffff];
}

export function alawEncodeSample(pcm: number): number {
  return ALAW_ENCODE[clamp16(pcm) & 0xffff];
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
  for (let i = 0; i < n; i++) out[i] = ULAW_ENCODE[input[i] & 0xffff];
  return n;
}

export function alawEncode(input: Int16Array, out: Uint8Array): number {
  const n = Math.min(input.length, out.length);
  for (let i = 0; i < n; i++) out[i] = ALAW_ENCODE[input[i] & 0xffff];
  return n;
}

/** Transcode µ-law ↔ A-law through linear PCM, byte for byte (for bridging PCMU and PCMA legs). */
export function ulawToAlaw(input: Uint8Array, out: Uint8Array): number {
  const n = Math.min(input.length, out.length);
  for (let i = 0; i < n; i++) out[i] = ULAW_TO_ALAW[input[i]];
  return n;
}

export function alawToUlaw(input: Uint8Array, out: Uint8Array): number {
  const n = Math.min(input.length, out.length);
  for (let i = 0; i < n; i++) out[i] = ALAW_TO_ULAW[input[i]];
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
