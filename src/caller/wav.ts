/**
 * WAV files for `voxgate call`: read any PCM16 WAV (mono or stereo, any rate) as 8 kHz mono, the
 * rate of a G.711 call; write what the caller heard as 8 kHz mono PCM16.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { WAV_HEADER_SIZE, writeWavHeader } from '../../media/index.js';

export const CALL_RATE = 8000;

export class WavError extends Error {}

interface Chunks {
  format: { channels: number; sampleRate: number; bitsPerSample: number; tag: number } | null;
  data: Buffer | null;
}

/** Walks the RIFF chunks (players write LIST and fact chunks before `data`). */
function readChunks(buf: Buffer): Chunks {
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') throw new WavError('not a WAV file (no RIFF/WAVE header)');
  const out: Chunks = { format: null, data: null };
  let at = 12;
  while (at + 8 <= buf.length) {
    const id = buf.toString('ascii', at, at + 4);
    const size = buf.readUInt32LE(at + 4);
    const body = buf.subarray(at + 8, Math.min(buf.length, at + 8 + size));
    if (id === 'fmt ' && body.length >= 16) {
      out.format = { tag: body.readUInt16LE(0), channels: body.readUInt16LE(2), sampleRate: body.readUInt32LE(4), bitsPerSample: body.readUInt16LE(14) };
    } else if (id === 'data') out.data = body;
    at += 8 + size + (size % 2);
  }
  return out;
}

/** The file's audio as 8 kHz mono PCM16 (channels averaged, linear-interpolated to 8 kHz). */
export async function readWavAs8k(path: string): Promise<Int16Array> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (err) {
    throw new WavError(`cannot read ${path}: ${(err as Error).message}`);
  }
  const { format, data } = readChunks(buf);
  if (!format || !data) throw new WavError(`${path}: no fmt or data chunk`);
  // 1 = PCM, 0xFFFE = WAVE_FORMAT_EXTENSIBLE (PCM16 in practice).
  if ((format.tag !== 1 && format.tag !== 0xfffe) || format.bitsPerSample !== 16) throw new WavError(`${path}: only 16-bit PCM WAV is supported (got format ${format.tag}, ${format.bitsPerSample} bits)`);
  if (format.channels < 1 || format.sampleRate < 1000) throw new WavError(`${path}: bad channel count or sample rate`);
  const frames = Math.floor(data.length / (2 * format.channels));
  const mono = new Float64Array(frames);
  for (let i = 0; i < frames; i++) {
    let sum = 0;
    for (let c = 0; c < format.channels; c++) sum += data.readInt16LE((i * format.channels + c) * 2);
    mono[i] = sum / format.channels;
  }
  if (format.sampleRate === CALL_RATE) return Int16Array.from(mono, (v) => Math.round(v));
  const ratio = format.sampleRate / CALL_RATE;
  const out = new Int16Array(Math.floor(frames / ratio));
  for (let i = 0; i < out.length; i++) {
    const pos = i * ratio;
    const j = Math.floor(pos);
    const next = mono[Math.min(j + 1, frames - 1)];
    out[i] = Math.round(mono[j] + (next - mono[j]) * (pos - j));
  }
  return out;
}

export async function writeWav8k(path: string, pcm: Int16Array): Promise<void> {
  const out = Buffer.alloc(WAV_HEADER_SIZE + pcm.length * 2);
  writeWavHeader(out, { sampleRate: CALL_RATE, channels: 1 }, pcm.length * 2);
  for (let i = 0; i < pcm.length; i++) out.writeInt16LE(pcm[i], WAV_HEADER_SIZE + i * 2);
  await writeFile(path, out);
}
