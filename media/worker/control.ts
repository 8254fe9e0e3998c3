/**
 * Pool ↔ worker housekeeping messages (start-up, health, shutdown). They ride the same port as
 * the call protocol but are not part of it: their types start with `worker.`.
 */
import type { ClockStats } from '../clock/media-clock.js';
import type { MediaClockOptions } from '../clock/media-clock.js';
import type { PortAllocatorStats, PortRange, PortReuseOptions } from '../ports.js';

/** Everything a worker thread needs, passed as `workerData` (structured clone: plain data). */
export interface WorkerConfig {
  index: number;
  portRange: PortRange;
  bindAddress?: string;
  /** Quarantine and spare pairs of the worker's port allocator. */
  portReuse?: PortReuseOptions;
  recordingDir: string | null;
  /** file: URL of a module exporting `createCallLogic` (or a default factory); null = loopback logic. */
  logicModule: string | null;
  logicOptions?: unknown;
  clock?: Omit<MediaClockOptions, 'time'>;
  /** Kernel socket buffer sizes for RTP sockets. */
  socketBufferBytes?: number;
  closeTimeoutMs?: number;
}

export interface WorkerHealth {
  index: number;
  calls: number;
  portsUsed: number;
  portsCapacity: number;
  /** Spares, quarantine, stray packets of the worker's port slice. */
  ports: PortAllocatorStats;
  clock: ClockStats;
  /** Share of wall time the worker's event loop was busy since the last reset (0–1). */
  eventLoopUtilization: number;
  heapUsedBytes: number;
}

export type PoolToWorker =
  | { type: 'worker.health'; requestId: number; reset?: boolean }
  | { type: 'worker.shutdown' };

export type WorkerToPool =
  | { type: 'worker.ready' }
  | { type: 'worker.init-failed'; message: string }
  | { type: 'worker.health'; requestId: number; health: WorkerHealth }
  | { type: 'worker.shutdown-done' };

export function isWorkerToPool(value: unknown): value is WorkerToPool {
  const type = (value as { type?: unknown } | null)?.type;
  return typeof type === 'string' && type.startsWith('worker.');
}

export function isPoolToWorker(value: unknown): value is PoolToWorker {
  return isWorkerToPool(value);
}
