/**
 * STAND-IN until `media/recording/` lands: a stereo PCM16 WAV file written in one-second blocks
 * (one `write` per second per call, not one per frame), with the RIFF sizes patched on close.
 */
import { open, type FileHandle } from 'node:fs/promises';

const HEADER_BYTES = 44;

export class StereoWavWriterStandIn {
  private block: Int16Array;
  private filled = 0;
  private samplesWritten = 0;
  private pending: Promise<void> = Promise.resolve();
  private failed: Error | null = null;

  private constructor(
    private readonly file: FileHandle,
    readonly path: string,
    private readonly sampleRate: number,
  ) {
    this.block = new Int16Array(sampleRate * 2);
  }

  static async create(path: string, sampleRate: number): Promise<StereoWavWriterStandIn> {
    const file = await open(path, 'w');
    await file.write(header(sampleRate, 0), 0, HEADER_BYTES, 0);
    return new StereoWavWriterStandIn(file, path, sampleRate);
  }

  /** Appends `frames` stereo frames: left[i], right[i] interleaved. Missing channels are silence. */
  write(left: Int16Array | null, right: Int16Array | null, frames: number): void {
    for (let i = 0; i < frames; i++) {
      this.block[this.filled++] = left ? left[i] : 0;
      this.block[this.filled++] = right ? right[i] : 0;
      if (this.filled === this.block.length) this.flushBlock();
    }
  }

  get durationMs(): number {
    return Math.floor(((this.samplesWritten + this.filled / 2) * 1000) / this.sampleRate);
  }

  async close(): Promise<{ path: string; durationMs: number }> {
    const durationMs = this.durationMs;
    this.flushBlock();
    await this.pending;
    const dataBytes = this.samplesWritten * 4;
    try {
      await this.file.write(header(this.sampleRate, dataBytes), 0, HEADER_BYTES, 0);
    } finally {
      await this.file.close();
    }
    if (this.failed) throw this.failed;
    return { path: this.path, durationMs };
  }

  private flushBlock(): void {
    if (this.filled === 0) return;
    const bytes = Buffer.from(this.block.buffer, 0, this.filled * 2);
    const position = HEADER_BYTES + this.samplesWritten * 4;
    this.samplesWritten += this.filled / 2;
    this.block = new Int16Array(this.block.length);
    this.filled = 0;
    this.pending = this.pending
      .then(() => this.file.write(bytes, 0, bytes.length, position))
      .then(
        () => undefined,
        (err: Error) => {
          this.failed = err;
        },
      );
  }
}

function header(sampleRate: number, dataBytes: number): Buffer {
  const h = Buffer.alloc(HEADER_BYTES);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(2, 22); // stereo: caller left, agent right
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * 4, 28);
  h.writeUInt16LE(4, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(dataBytes, 40);
  return h;
}
