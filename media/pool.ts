/**
 * The main thread's handle on the media workers (DESIGN §2): `MEDIA_WORKERS` threads, each with
 * its own slice of the RTP port range and its own media clock. A call is pinned to the least
 * loaded worker for its life; a worker that dies has its calls reported `call.ended` (reason
 * `error`, code `media/worker-died`) and is replaced.
 */
import { EventEmitter } from 'node:events';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { MediaClockOptions } from './clock/media-clock.js';
import { splitPortRange, type PortRange, type PortReuseOptions } from './ports.js';
import {
  isWorkerToMain,
  type CallEnded,
  type CallReady,
  type CallStartMessage,
  type DistributiveOmit,
  type MainToWorker,
  type StartFailureCode,
  type WorkerToMain,
} from './protocol.js';
import { isWorkerToPool, type PoolToWorker, type WorkerConfig, type WorkerHealth, type WorkerToPool } from './worker/control.js';

export interface MediaPoolOptions {
  /** Worker threads (`MEDIA_WORKERS`). */
  workers: number;
  /** `RTP_PORT_MIN`..`RTP_PORT_MAX`; split into one disjoint slice per worker. */
  portRange: PortRange;
  bindAddress?: string;
  /** Quarantine of released pairs and pre-bound spares, per worker slice (defaults in the README). */
  portReuse?: PortReuseOptions;
  /** Where recordings go (created owner-only, 0700, when missing); null/undefined disables recording. */
  recordingDir?: string | null;
  /** Module exporting `createCallLogic(media, start, host)`; default: the loopback logic. */
  logicModule?: string | URL;
  /** Passed to every call's `host.logicOptions` (structured-cloneable). */
  logicOptions?: unknown;
  clock?: Omit<MediaClockOptions, 'time'>;
  /** Longest wait for `call.ready` (default 5 s). */
  startTimeoutMs?: number;
  /** Longest wait for a worker's logic `close()` before its call is reported ended anyway (default 2 s). */
  closeTimeoutMs?: number;
  socketBufferBytes?: number;
  /**
   * V8 limits per worker thread. The media path makes short-lived garbage (JSON, base64) at
   * 100 messages per call per second; a larger young generation means fewer scavenges.
   */
  resourceLimits?: ResourceLimits;
}

/** `call.start` failed: `code` says why (ports exhausted → the caller answers 503). */
export class MediaStartError extends Error {
  constructor(
    readonly code: StartFailureCode,
    message: string,
  ) {
    super(message);
    this.name = 'MediaStartError';
  }
}

export interface WorkerExit {
  index: number;
  exitCode: number;
  error: string | null;
  callsEnded: number;
}

export interface PoolEvents {
  /** Every worker → main protocol message (the `call.ready` / `call.start-failed` answers too). */
  message: [WorkerToMain];
  /** A worker died unexpectedly; its calls were reported ended and a replacement is starting. */
  'worker-exit': [WorkerExit];
}

export interface PoolHealth {
  workers: (WorkerHealth & { alive: true })[];
  deadWorkers: number[];
  calls: number;
}

export type CallStartRequest = Omit<CallStartMessage, 'type'>;
export type CallMessage = DistributiveOmit<Exclude<MainToWorker, CallStartMessage>, 'callId'>;

interface Slot {
  index: number;
  config: WorkerConfig;
  worker: Worker | null;
  calls: Set<string>;
  lastError: string | null;
  startedAt: number;
  restarts: number;
}

interface PendingStart {
  resolve(ready: CallReady): void;
  reject(err: MediaStartError): void;
  timer: NodeJS.Timeout;
  slot: Slot;
}

const MIN_HEALTHY_LIFETIME_MS = 2000;
const RECORDING_DIR_MODE = 0o700;
const MAX_RESTART_DELAY_MS = 10_000;

export class MediaPool extends EventEmitter<PoolEvents> {
  private readonly slots: Slot[] = [];
  private readonly callSlot = new Map<string, Slot>();
  private readonly pending = new Map<string, PendingStart>();
  private readonly healthWaiters = new Map<number, (h: WorkerHealth) => void>();
  private nextRequestId = 1;
  private stopping = false;

  private constructor(private readonly options: MediaPoolOptions) {
    super();
  }

  /** Starts every worker and waits until each has loaded its call logic. */
  static async start(options: MediaPoolOptions): Promise<MediaPool> {
    const pool = new MediaPool(options);
    // Recordings are phone conversations: a directory we create is owner-only, and so is each file.
    if (options.recordingDir) await mkdir(options.recordingDir, { recursive: true, mode: RECORDING_DIR_MODE });
    const slices = splitPortRange(options.portRange, Math.max(1, options.workers));
    const logicModule = options.logicModule ? toModuleUrl(options.logicModule) : null;
    slices.forEach((portRange, index) => {
      const config: WorkerConfig = {
        index,
        portRange,
        bindAddress: options.bindAddress,
        portReuse: options.portReuse,
        recordingDir: options.recordingDir ?? null,
        logicModule,
        logicOptions: options.logicOptions,
        clock: options.clock,
        socketBufferBytes: options.socketBufferBytes,
        closeTimeoutMs: options.closeTimeoutMs,
      };
      pool.slots.push({ index, config, worker: null, calls: new Set(), lastError: null, startedAt: 0, restarts: 0 });
    });
    try {
      await Promise.all(pool.slots.map((slot) => pool.spawn(slot)));
    } catch (err) {
      await pool.stop();
      throw err;
    }
    return pool;
  }

  get workerCount(): number {
    return this.slots.length;
  }

  get activeCalls(): number {
    return this.callSlot.size;
  }

  /** Worker index a call is pinned to, if it is live. */
  workerOf(callId: string): number | undefined {
    return this.callSlot.get(callId)?.index;
  }

  /** Starts a call on the least-loaded worker (or next to `colocateWith`); resolves with its local ports. */
  startCall(request: CallStartRequest): Promise<CallReady> {
    if (this.stopping) return Promise.reject(new MediaStartError('media/start-error', 'media pool is stopping'));
    if (this.callSlot.has(request.callId)) return Promise.reject(new MediaStartError('media/bad-request', 'duplicate call id'));
    const slot = this.pickSlot(request.colocateWith);
    if (!slot?.worker) return Promise.reject(new MediaStartError('media/start-error', 'no media worker available'));
    return new Promise<CallReady>((resolve, reject) => {
      const timer = setTimeout(() => this.failPending(request.callId, 'media/start-error', 'media worker did not answer call.start'), this.options.startTimeoutMs ?? 5000);
      this.pending.set(request.callId, { resolve, reject, timer, slot });
      this.callSlot.set(request.callId, slot);
      slot.calls.add(request.callId);
      slot.worker?.postMessage({ ...request, type: 'call.start' } satisfies CallStartMessage);
    });
  }

  /** Sends a message to the worker that owns `callId`; false when the call is not live. */
  send(callId: string, msg: CallMessage): boolean {
    const slot = this.callSlot.get(callId);
    if (!slot?.worker) return false;
    slot.worker.postMessage({ ...msg, callId } as MainToWorker);
    return true;
  }

  /** Per-worker clock, port and call figures. */
  async health(options: { reset?: boolean } = {}): Promise<PoolHealth> {
    const alive = this.slots.filter((s) => s.worker);
    const workers = await Promise.all(alive.map((slot) => this.askHealth(slot, options.reset ?? false)));
    return {
      workers: workers.filter((h): h is WorkerHealth => h !== null).map((h) => ({ ...h, alive: true as const })),
      deadWorkers: this.slots.filter((s) => !s.worker).map((s) => s.index),
      calls: this.callSlot.size,
    };
  }

  /** Ends every call (`stopped`/`shutdown`, reported through `message`) and stops the workers. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    await Promise.all(this.slots.map((slot) => this.stopSlot(slot)));
  }

  private async stopSlot(slot: Slot): Promise<void> {
    const worker = slot.worker;
    if (!worker) return;
    const done = new Promise<void>((resolve) => {
      const onMsg = (m: unknown): void => {
        if (isWorkerToPool(m) && m.type === 'worker.shutdown-done') resolve();
      };
      worker.on('message', onMsg);
      worker.once('exit', () => resolve());
      setTimeout(resolve, 3000).unref();
    });
    worker.postMessage({ type: 'worker.shutdown' } satisfies PoolToWorker);
    await done;
    slot.worker = null;
    await worker.terminate();
  }

  private pickSlot(colocateWith: string | undefined): Slot | undefined {
    if (colocateWith) {
      const slot = this.callSlot.get(colocateWith);
      if (slot?.worker) return slot;
    }
    let best: Slot | undefined;
    for (const slot of this.slots) if (slot.worker && (!best || slot.calls.size < best.calls.size)) best = slot;
    return best;
  }

  private spawn(slot: Slot): Promise<void> {
    const worker = startWorker(slot.config, `voxgate-media-${slot.index}`, this.options.resourceLimits);
    slot.worker = worker;
    slot.startedAt = Date.now();
    slot.lastError = null;
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      worker.on('message', (msg: unknown) => {
        if (isWorkerToMain(msg)) return this.onCallMessage(slot, msg);
        if (!isWorkerToPool(msg)) return;
        if (msg.type === 'worker.ready') {
          ready = true;
          resolve();
        } else if (msg.type === 'worker.init-failed') {
          slot.lastError = msg.message;
        } else this.onPoolMessage(msg);
      });
      worker.on('error', (err) => {
        slot.lastError = err.message;
      });
      worker.on('exit', (code) => {
        if (!ready) reject(new Error(`media worker ${slot.index} failed to start: ${slot.lastError ?? `exit ${code}`}`));
        if (slot.worker === worker) this.onWorkerExit(slot, code);
      });
    });
  }

  private onPoolMessage(msg: WorkerToPool): void {
    if (msg.type !== 'worker.health') return;
    this.healthWaiters.get(msg.requestId)?.(msg.health);
    this.healthWaiters.delete(msg.requestId);
  }

  private onCallMessage(slot: Slot, msg: WorkerToMain): void {
    const pending = this.pending.get(msg.callId);
    if (pending && (msg.type === 'call.ready' || msg.type === 'call.start-failed')) {
      clearTimeout(pending.timer);
      this.pending.delete(msg.callId);
      if (msg.type === 'call.ready') pending.resolve(msg);
      else {
        this.forget(msg.callId, slot);
        pending.reject(new MediaStartError(msg.code, msg.message));
      }
    }
    if (msg.type === 'call.ended') this.forget(msg.callId, slot);
    this.emit('message', msg);
  }

  private onWorkerExit(slot: Slot, exitCode: number): void {
    slot.worker = null;
    if (this.stopping) return;
    const message = `media worker ${slot.index} died: ${slot.lastError ?? `exit code ${exitCode}`}`;
    const lost = [...slot.calls];
    for (const callId of lost) {
      if (this.pending.has(callId)) {
        this.failPending(callId, 'media/worker-died', message);
        continue;
      }
      this.forget(callId, slot);
      this.emit('message', workerDiedEnd(callId, message));
    }
    this.emit('worker-exit', { index: slot.index, exitCode, error: slot.lastError, callsEnded: lost.length });
    this.scheduleRestart(slot);
  }

  /** Replaces a dead worker; one that keeps dying right after start is retried with backoff. */
  private scheduleRestart(slot: Slot): void {
    const quick = Date.now() - slot.startedAt < MIN_HEALTHY_LIFETIME_MS;
    slot.restarts = quick ? slot.restarts + 1 : 0;
    const delay = quick ? Math.min(MAX_RESTART_DELAY_MS, 100 * 2 ** slot.restarts) : 0;
    setTimeout(() => {
      if (this.stopping || slot.worker) return;
      this.spawn(slot).catch(() => {
        // The exit handler of the failed spawn schedules the next attempt.
      });
    }, delay).unref();
  }

  private failPending(callId: string, code: StartFailureCode, message: string): void {
    const pending = this.pending.get(callId);
    if (!pending) return;
    clearTimeout(pending.timer);
    this.pending.delete(callId);
    // The worker may still start it late: tell it to stop, then forget the call here.
    if (code !== 'media/worker-died') this.send(callId, { type: 'call.stop', reason: 'start-timeout' });
    this.forget(callId, pending.slot);
    pending.reject(new MediaStartError(code, message));
  }

  private forget(callId: string, slot: Slot): void {
    slot.calls.delete(callId);
    if (this.callSlot.get(callId) === slot) this.callSlot.delete(callId);
  }

  private askHealth(slot: Slot, reset: boolean): Promise<WorkerHealth | null> {
    const requestId = this.nextRequestId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.healthWaiters.delete(requestId);
        resolve(null);
      }, 2000);
      this.healthWaiters.set(requestId, (h) => {
        clearTimeout(timer);
        resolve(h);
      });
      slot.worker?.postMessage({ type: 'worker.health', requestId, reset } satisfies PoolToWorker);
    });
  }
}

function workerDiedEnd(callId: string, message: string): CallEnded {
  return {
    type: 'call.ended',
    callId,
    reason: 'error',
    error: { code: 'media/worker-died', message },
    usage: {},
    quality: null,
    recording: null,
    messages: [],
  };
}

/**
 * Starts the worker entry next to this file: `entry.js` when built. From TypeScript sources
 * (tests, the benchmark) the entry is `entry.ts`, loaded through tsx's require hook: on Node 20
 * the ESM loader hooks that `--import tsx` installs do not reach worker threads (the worker
 * fails with "Unknown file extension .ts"), while a require hook registered inside the thread does.
 */
function startWorker(workerData: WorkerConfig, name: string, resourceLimits: ResourceLimits | undefined): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./worker/entry.js', import.meta.url), { workerData, name, resourceLimits });
  const tsx = createRequire(import.meta.url).resolve('tsx/cjs/api');
  const entry = fileURLToPath(new URL('./worker/entry.ts', import.meta.url));
  const code = `require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(entry)});`;
  return new Worker(code, { eval: true, workerData, name, resourceLimits });
}

function toModuleUrl(module: string | URL): string {
  if (module instanceof URL) return module.href;
  return /^[a-z][a-z0-9+.-]*:/i.test(module) && !/^[a-z]:[\\/]/i.test(module) ? module : pathToFileURL(module).href;
}
