/** Benchmark helpers: forked TypeScript children with a request/reply over IPC, and machine CPU from /proc/stat. */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export class Child {
  private constructor(readonly process: ChildProcess) {}

  /** Forks a `.ts` module next to this file through tsx. */
  static fork(module: string, args: string[] = []): Child {
    const path = fileURLToPath(new URL(module, import.meta.url));
    return new Child(fork(path, args, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  }

  /** Resolves with the first message of `type` (optionally after sending `msg`). */
  request<T extends { type: string }>(type: string, msg?: object, timeoutMs = 30_000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.process.off('message', onMessage);
        reject(new Error(`child did not answer ${type}`));
      }, timeoutMs);
      const onMessage = (m: unknown): void => {
        if ((m as { type?: string })?.type !== type) return;
        clearTimeout(timer);
        this.process.off('message', onMessage);
        resolve(m as T);
      };
      this.process.on('message', onMessage);
      if (msg) this.process.send(msg);
    });
  }

  send(msg: object): void {
    this.process.send(msg);
  }

  kill(): void {
    this.process.kill();
  }
}

export interface MachineCpu {
  busy: number;
  total: number;
}

/** Aggregate jiffies of all cores (Linux); busy excludes idle and iowait. */
export function machineCpu(): MachineCpu {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const total = v.reduce((a, b) => a + b, 0);
    return { busy: total - v[3] - (v[4] ?? 0), total };
  } catch {
    return { busy: 0, total: 0 };
  }
}

/** Busy share of the whole machine between two readings, in "% of one core". */
export function machineBusyPercentOfCore(a: MachineCpu, b: MachineCpu, cores: number): number {
  const total = b.total - a.total;
  return total > 0 ? ((b.busy - a.busy) / total) * 100 * cores : 0;
}
