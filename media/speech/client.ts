/**
 * The speech worker as seen from a media worker: one thread per media worker, started on first
 * use (a call with a local voice), restarted after a crash. Requests are answered in order; a
 * cancelled one is skipped by the worker if it has not started, and its answer ignored if it has.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FromSpeechWorker, ToSpeechWorker } from './protocol.js';

export interface Synthesized {
  pcm: Int16Array;
  sampleRate: number;
  synthMs: number;
  audioMs: number;
}

interface Pending {
  resolve: (audio: Synthesized) => void;
  reject: (err: Error) => void;
}

export interface SpeechStats {
  utterances: number;
  synthMs: number;
  audioMs: number;
}

let shared: SpeechClient | null = null;

export class SpeechClient {
  private worker: Worker | null = null;
  private started: Promise<void> | null = null;
  private readonly pending = new Map<number, Pending>();
  private next = 0;
  readonly totals: SpeechStats = { utterances: 0, synthMs: 0, audioMs: 0 };

  /** The speech worker of this thread. */
  static shared(): SpeechClient {
    shared ??= new SpeechClient();
    return shared;
  }

  /** Starts the worker if needed; resolves once it can synthesise (the WASM compiled). */
  ready(): Promise<void> {
    this.started ??= this.start().catch((err: unknown) => {
      this.started = null;
      throw err;
    });
    return this.started;
  }

  /** Queues `text` in flite voice `voice`; the id cancels it. */
  synthesize(voice: string, text: string): { id: number; audio: Promise<Synthesized> } {
    const id = ++this.next;
    const audio = new Promise<Synthesized>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.ready().then(
        () => this.post({ type: 'synth', id, voice, text }),
        (err: unknown) => this.settle(id, err instanceof Error ? err : new Error(String(err))),
      );
    });
    audio.catch(() => {});
    return { id, audio };
  }

  /** Stops the worker (tests, benchmarks); the next request starts a new one. */
  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.started = null;
    await worker?.terminate();
  }

  cancel(id: number): void {
    if (!this.pending.delete(id)) return;
    this.post({ type: 'cancel', id });
  }

  private post(msg: ToSpeechWorker): void {
    this.worker?.postMessage(msg);
  }

  private start(): Promise<void> {
    return new Promise((resolve, reject) => {
      const worker = spawn();
      this.worker = worker;
      worker.unref();
      let ready = false;
      worker.on('message', (msg: FromSpeechWorker) => {
        if (msg.type === 'ready') {
          ready = true;
          return resolve();
        }
        if (msg.type === 'error') return this.settle(msg.id, new Error(`local synthesis failed: ${msg.message}`));
        this.totals.utterances++;
        this.totals.synthMs += msg.synthMs;
        this.totals.audioMs += msg.audioMs;
        this.settle(msg.id, { pcm: new Int16Array(msg.pcm), sampleRate: msg.sampleRate, synthMs: msg.synthMs, audioMs: msg.audioMs });
      });
      const died = (why: string): void => {
        if (this.worker !== worker) return;
        this.worker = null;
        this.started = null;
        const err = new Error(`the speech worker stopped: ${why}`);
        if (!ready) reject(err);
        for (const id of [...this.pending.keys()]) this.settle(id, err);
      };
      worker.on('error', (err) => died(err.message));
      worker.on('exit', (code) => died(`exit ${code}`));
    });
  }

  private settle(id: number, outcome: Synthesized | Error): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    if (outcome instanceof Error) p.reject(outcome);
    else p.resolve(outcome);
  }
}

/** `worker.js` when built; from sources `worker.ts` through tsx's require hook (as media/pool.ts does). */
function spawn(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./worker.js', import.meta.url));
  const tsx = createRequire(import.meta.url).resolve('tsx/cjs/api');
  const entry = fileURLToPath(new URL('./worker.ts', import.meta.url));
  return new Worker(`require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(entry)});`, { eval: true });
}
