/**
 * The speech worker thread: local synthesis (flite, synchronous, 5–150 ms a sentence) off the
 * media workers' event loops, which keep the 20 ms clock (DESIGN §2). Requests are served one at
 * a time in arrival order; a request cancelled before its turn is skipped. Output is PCM16 at
 * 8 kHz (16 kHz voices are resampled here), transferred without a copy.
 */
import { parentPort } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { createResampler, loadResamplerWasm } from '../codecs/speex-resampler.js';
import { Flite } from './flite.js';
import type { FromSpeechWorker, SynthRequest, ToSpeechWorker } from './protocol.js';

const OUT_RATE = 8000;

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('speech worker started outside a worker thread');
  await loadResamplerWasm();
  const flite = new Flite();
  const queue: SynthRequest[] = [];
  const cancelled = new Set<number>();
  let busy = false;
  const post = (msg: FromSpeechWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(msg, transfer);

  const serve = (): void => {
    busy = false;
    const next = queue.shift();
    if (!next) return;
    busy = true;
    if (cancelled.delete(next.id)) return void setImmediate(serve);
    try {
      const started = performance.now();
      const audio = flite.synthesize(next.voice, next.text);
      const pcm = audio.sampleRate === OUT_RATE ? audio.pcm : resample(audio.pcm, audio.sampleRate);
      const synthMs = performance.now() - started;
      post({ type: 'audio', id: next.id, pcm: pcm.buffer as ArrayBuffer, sampleRate: OUT_RATE, synthMs, audioMs: (pcm.length / OUT_RATE) * 1000 }, [pcm.buffer as ArrayBuffer]);
      // The next utterance of this voice is prepared while nothing waits.
      if (queue.length === 0) flite.warm(next.voice);
    } catch (err) {
      post({ type: 'error', id: next.id, message: (err as Error).message });
    }
    setImmediate(serve);
  };

  port.on('message', (msg: ToSpeechWorker) => {
    if (msg.type === 'cancel') return void cancelled.add(msg.id);
    queue.push(msg);
    if (!busy) serve();
  });
  process.on('exit', () => flite.destroy());
  flite.warm('slt');
  post({ type: 'ready' });
}

function resample(pcm: Int16Array, fromRate: number): Int16Array {
  const r = createResampler(fromRate, OUT_RATE);
  const out = new Int16Array(r.maxOutput(pcm.length) + 64);
  let n = r.process(pcm, out);
  n += r.flush(out.subarray(n));
  r.destroy();
  return out.slice(0, n);
}

void main();
