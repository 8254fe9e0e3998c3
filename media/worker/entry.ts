/**
 * Media worker thread entry: builds the runtime from `workerData` and binds it to the parent
 * port. Uncaught errors are deliberately not caught here: the thread dies, and the pool reports
 * its calls as ended and starts a replacement (DESIGN §2).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isMainToWorker, type WorkerToMain } from '../protocol.js';
import { isPoolToWorker, type WorkerConfig, type WorkerToPool } from './control.js';
import { WorkerRuntime } from './runtime.js';

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('media worker entry must run in a worker thread');
  const send = (msg: WorkerToMain | WorkerToPool): void => port.postMessage(msg);
  let runtime: WorkerRuntime;
  try {
    runtime = await WorkerRuntime.create(workerData as WorkerConfig, send);
  } catch (err) {
    send({ type: 'worker.init-failed', message: err instanceof Error ? err.message : String(err) });
    process.exit(1);
  }
  port.on('message', (msg: unknown) => {
    if (isMainToWorker(msg)) return runtime.handle(msg);
    if (!isPoolToWorker(msg)) return;
    if (msg.type === 'worker.health') send({ type: 'worker.health', requestId: msg.requestId, health: runtime.health(msg.reset) });
    else if (msg.type === 'worker.shutdown') void runtime.shutdown().then(() => send({ type: 'worker.shutdown-done' }));
  });
  send({ type: 'worker.ready' });
}

void main();
