/**
 * A whole engine in a child process (`voxgate start` through tsx), for what an in-process engine
 * cannot show: a SIGKILL with live calls, a real SIGTERM/SIGINT, two processes sharing one
 * PostgreSQL and Redis. Its JSON log lines are kept so tests can wait for what it says.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../helpers/ports.js';
import { TEST_ADMIN_KEY, TEST_SECRET_KEY } from '../helpers/index.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export type LogLine = Record<string, unknown> & { msg?: string };

export interface ChildEngineOptions {
  env: Record<string, string>;
  /** Kept across restarts (node id, spool, recordings). */
  dataDir: string;
  sipPort?: number;
  apiPort?: number;
  /** Its own process group (as a terminal's foreground job is): `signalGroup` reaches every process in it. */
  detached?: boolean;
}

export class ChildEngine {
  readonly logs: LogLine[] = [];
  private child: ChildProcess | null = null;
  private exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> = Promise.resolve({ code: null, signal: null });
  private waiters = new Set<() => void>();
  sipPort = 0;
  apiPort = 0;

  constructor(private readonly options: ChildEngineOptions) {}

  get apiUrl(): string {
    return `http://127.0.0.1:${this.apiPort}`;
  }

  /** `/api/v1/<path>` as the holder of `apiKey`; an error status throws with its body. */
  async api(apiKey: string, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
    const res = await fetch(`${this.apiUrl}/api/v1/${path}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(json)}`);
    return json;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the process and resolves once it logged "node started" (rejects if it exits first). */
  async start(): Promise<void> {
    // The same ports on every restart, like a real node.
    this.sipPort ||= this.options.sipPort ?? (await freePort());
    this.apiPort ||= this.options.apiPort ?? (await freePort());
    const env = {
      ...process.env,
      PORT: String(this.apiPort),
      HOST: '127.0.0.1',
      SIP_PORT: String(this.sipPort),
      SIP_HOST: '127.0.0.1',
      SIP_PUBLIC_IP: '127.0.0.1',
      SIP_TRANSPORTS: 'udp',
      SECRET_KEY: TEST_SECRET_KEY,
      ADMIN_API_KEY: TEST_ADMIN_KEY,
      WEBHOOK_ALLOW_PRIVATE: 'true',
      MEDIA_WORKERS: '1',
      SIP_OVERLOAD: 'false',
      LOG_LEVEL: 'info',
      VOXGATE_DATA_DIR: this.options.dataDir,
      ...this.options.env,
    };
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli.ts'), 'start'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: this.options.detached ?? false,
    });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    let buffer = '';
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString();
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        try {
          this.logs.push(JSON.parse(line) as LogLine);
        } catch {
          this.logs.push({ msg: line });
        }
        for (const wake of this.waiters) wake();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    const started = this.waitForLog((l) => l.msg === 'node started', 60_000);
    const died = this.exited.then(({ code, signal }) => {
      throw new Error(`engine exited during start (${code ?? signal}):\n${this.tail()}`);
    });
    await Promise.race([started, died]);
  }

  /** Resolves with the first log line (already seen or future) that matches. */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs = 15_000): Promise<LogLine> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.logs.find(match);
        if (!found) return false;
        cleanup();
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for a log line; last lines:\n${this.tail()}`));
      }, timeoutMs);
      const wake = () => void check();
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(wake);
      };
      this.waiters.add(wake);
      check();
    });
  }

  /** Ctrl-C in a terminal: `signal` to every process of the engine's process group. */
  signalGroup(signal: NodeJS.Signals): void {
    if (this.child?.pid) process.kill(-this.child.pid, signal);
  }

  /** Resolves with how the process exited (now or later). */
  whenExited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return this.exited;
  }

  /** Sends `signal`; resolves with how the process exited. */
  async kill(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.child?.kill(signal);
    return this.exited;
  }

  tail(lines = 25): string {
    return this.logs
      .slice(-lines)
      .map((l) => JSON.stringify(l))
      .join('\n');
  }

  async stop(): Promise<void> {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) await this.kill('SIGKILL');
  }
}
