/**
 * Everything one media worker holds: its slice of the port range, its media clock, its calls,
 * and the call logic factory. Independent of `worker_threads`, so tests can run it in-process
 * with a fake clock; `entry.ts` binds it to the thread's message port.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { MediaClock } from '../clock/media-clock.js';
import { systemTime, type TimeSource } from '../clock/time.js';
import { createEchoLogic } from '../call/echo-logic.js';
import { CallOwner, type OwnerEnv } from '../call/owner.js';
import type { CallLogicFactory } from '../call/types.js';
import { PortAllocator } from '../ports.js';
import type { MainToWorker, WorkerToMain } from '../protocol.js';
import type { WorkerConfig, WorkerHealth } from './control.js';

const DEFAULT_CLOSE_TIMEOUT_MS = 2000;
const DEFAULT_SOCKET_BUFFER = 256 * 1024;

export class LogicModuleError extends Error {
  readonly code = 'media/logic-module' as const;
}

/**
 * Loads the call logic factory: `createCallLogic` or the default export of the module. A `.ts`
 * module (tests, benchmark) is required through the tsx hook the pool installed in this thread.
 */
export async function loadLogicFactory(moduleUrl: string | null): Promise<CallLogicFactory> {
  if (!moduleUrl) return createEchoLogic;
  let mod: { createCallLogic?: unknown; default?: unknown };
  try {
    const typescript = /\.[cm]?ts$/.test(new URL(moduleUrl).pathname);
    mod = (typescript ? createRequire(moduleUrl)(fileURLToPath(moduleUrl)) : await import(moduleUrl)) as typeof mod;
  } catch (err) {
    throw new LogicModuleError(`cannot load call logic module ${moduleUrl}: ${(err as Error).message}`);
  }
  const factory = mod.createCallLogic ?? mod.default;
  if (typeof factory !== 'function') throw new LogicModuleError(`${moduleUrl} exports no createCallLogic function`);
  return factory as CallLogicFactory;
}

export class WorkerRuntime {
  private readonly calls = new Map<string, CallOwner>();
  /** Calls whose ports are still being bound: messages wait here in order. */
  private readonly starting = new Map<string, MainToWorker[]>();
  private readonly env: OwnerEnv;
  private eluBase = performance.eventLoopUtilization();
  readonly clock: MediaClock;

  constructor(
    private readonly config: WorkerConfig,
    factory: CallLogicFactory,
    post: (msg: WorkerToMain) => void,
    private readonly time: TimeSource = systemTime,
  ) {
    this.clock = new MediaClock({ ...config.clock, time });
    const buffers = config.socketBufferBytes ?? DEFAULT_SOCKET_BUFFER;
    this.env = {
      workerIndex: config.index,
      allocator: new PortAllocator({
        ...config.portReuse,
        range: config.portRange,
        bindAddress: config.bindAddress,
        recvBufferSize: buffers,
        sendBufferSize: buffers,
        time,
      }),
      clock: this.clock,
      time,
      recordingDir: config.recordingDir,
      logicFactory: factory,
      logicOptions: config.logicOptions,
      closeTimeoutMs: config.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS,
      post,
      onClosed: (owner) => {
        if (this.calls.get(owner.callId) === owner) this.calls.delete(owner.callId);
      },
    };
  }

  static async create(config: WorkerConfig, post: (msg: WorkerToMain) => void, time?: TimeSource): Promise<WorkerRuntime> {
    return new WorkerRuntime(config, await loadLogicFactory(config.logicModule), post, time);
  }

  get callCount(): number {
    return this.calls.size + this.starting.size;
  }

  handle(msg: MainToWorker): void {
    if (msg.type === 'call.start') return void this.startCall(msg);
    const queued = this.starting.get(msg.callId);
    if (queued) return void queued.push(msg);
    if (msg.type === 'call.bridge' || msg.type === 'call.unbridge') return this.bridge(msg);
    this.calls.get(msg.callId)?.handle(msg);
  }

  /** The owner of a live call (tests and the agent runtime's diagnostics). */
  call(callId: string): CallOwner | undefined {
    return this.calls.get(callId);
  }

  /** Figures since the last reset (`reset` starts a new window, for the benchmark). */
  health(reset = false): WorkerHealth {
    const health: WorkerHealth = {
      index: this.config.index,
      calls: this.callCount,
      portsUsed: this.env.allocator.used,
      portsCapacity: this.env.allocator.capacity,
      ports: this.env.allocator.stats(),
      clock: this.clock.stats(),
      eventLoopUtilization: Math.round(performance.eventLoopUtilization(this.eluBase).utilization * 1000) / 1000,
      heapUsedBytes: process.memoryUsage().heapUsed,
    };
    if (reset) {
      this.clock.resetStats();
      this.eluBase = performance.eventLoopUtilization();
    }
    return health;
  }

  /** Ends every call (`stopped`, reason `shutdown`) and waits for their reports to go out. */
  async shutdown(): Promise<void> {
    const ends = [...this.calls.values()].map((owner) => owner.end('stopped', { stopReason: 'shutdown' }));
    await Promise.all(ends);
    this.clock.stop();
    this.env.allocator.close();
  }

  private async startCall(msg: Extract<MainToWorker, { type: 'call.start' }>): Promise<void> {
    if (this.calls.has(msg.callId) || this.starting.has(msg.callId)) {
      this.env.post({ type: 'call.start-failed', callId: msg.callId, code: 'media/bad-request', message: 'duplicate call id' });
      return;
    }
    this.starting.set(msg.callId, []);
    const owner = await CallOwner.create(this.env, msg);
    const queued = this.starting.get(msg.callId) ?? [];
    this.starting.delete(msg.callId);
    if (!owner) return;
    this.calls.set(msg.callId, owner);
    for (const m of queued) this.handle(m);
  }

  private bridge(msg: Extract<MainToWorker, { type: 'call.bridge' | 'call.unbridge' }>): void {
    const owner = this.calls.get(msg.callId);
    if (!owner) return;
    if (msg.type === 'call.unbridge') return owner.bridgeWith(null);
    const peer = this.calls.get(msg.peerCallId);
    // A peer in another worker cannot be bridged (audio never crosses a thread): the pool
    // colocates transfer legs with `colocateWith`.
    if (peer && peer !== owner) owner.bridgeWith(peer);
  }
}
