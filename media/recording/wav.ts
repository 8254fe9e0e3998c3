/**
 * The canonical 44-byte RIFF/WAVE header for PCM16 (WAVE format tag 1): RIFF size, fmt chunk,
 * data chunk size. Written at the start of a recording and rewritten as the file grows.
 */

export const WAV_HEADER_SIZE = 44;

export interface WavFormat {
  sampleRate: number;
  channels: number;
}

/** Write the header for `dataBytes` of PCM16 into `out` (≥ 44 bytes). */
export function writeWavHeader(out: Buffer, format: WavFormat, dataBytes: number): void {
  const blockAlign = format.channels * 2;
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(Math.min(0xffffffff, 36 + dataBytes), 4);
  out.write('WAVE', 8, 'ascii');
  out.write('fmt ', 12, 'ascii');
  out.writeUInt32LE(16, 16); // fmt chunk size
  out.writeUInt16LE(1, 20); // PCM
  out.writeUInt16LE(format.channels, 22);
  out.writeUInt32LE(format.sampleRate, 24);
  out.writeUInt32LE(format.sampleRate * blockAlign, 28); // byte rate
  out.writeUInt16LE(blockAlign, 32);
  out.writeUInt16LE(16, 34); // bits per sample
  out.write('data', 36, 'ascii');
  out.writeUInt32LE(Math.min(0xffffffff, dataBytes), 40);
}

export interface WavInfo extends WavFormat {
  riffSize: number;
  dataSize: number;
  bitsPerSample: number;
}

/** Read the canonical header back (tests and tools); null when it is not one. */
export function readWavHeader(buf: Buffer): WavInfo | null {
  if (buf.length < WAV_HEADER_SIZE) return null;
  if (buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') return null;
  if (buf.toString('ascii', 12, 16) !== 'fmt ' || buf.toString('ascii', 36, 40) !== 'data') return null;
  return {
    riffSize: buf.readUInt32LE(4),
    channels: buf.readUInt16LE(22),
    sampleRate: buf.readUInt32LE(24),
    bitsPerSample: buf.readUInt16LE(34),
    dataSize: buf.readUInt32LE(40),
  };
}
