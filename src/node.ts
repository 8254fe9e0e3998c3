/**
 * One voxgate node (DESIGN §2): the shared resources every role uses (config, logger, pool,
 * Redis, health probes, services) and an ordered shutdown. Roles are started by the starters
 * listed in roles.ts; each registers what it must stop with `node.onStop`.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { ApiServices } from './api/deps.js';
import { HealthChecks } from './api/health.js';
import { resolveSecretKey, type Config, type Role } from './config.js';
import { openDatabase, runMigrations, type Database } from './db/index.js';
import type { Db } from './db/pool.js';
import type { Logger } from './log.js';
import { connectRedis, type RedisConnection } from './redis.js';

/** Starts one part of a role on this node; registers its own stop hook. */
export type RoleStarter = (node: VoxgateNode) => Promise<void>;

export interface StopHookOptions {
  /** How long this hook may take before the node moves on (default 10 s; a SIP drain wants more). */
  timeoutMs?: number;
}

interface StopHook {
  name: string;
  fn: () => Promise<void>;
  timeoutMs: number;
}

const DEFAULT_STOP_TIMEOUT_MS = 10_000;

/**
 * The node's id: VOXGATE_NODE_ID, else one generated once into `dataDir/node-id`. It stays the
 * same across restarts, so a node that crashed finds and finalises its own unfinished calls.
 */
export function resolveNodeId(config: Pick<Config, 'dataDir'> & { nodeId?: string | null }): string {
  if (config.nodeId) return config.nodeId;
  const file = join(config.dataDir, 'node-id');
  try {
    const id = readFileSync(file, 'utf8').trim();
    if (id) return id;
  } catch {
    // first start
  }
  const id = `${hostname()}-${randomUUID().slice(0, 8)}`;
  mkdirSync(config.dataDir, { recursive: true });
  writeFileSync(file, id + '\n', { mode: 0o600 });
  return id;
}

export class VoxgateNode {
  /** The owner of live calls in the call directory (DESIGN §6); stable across restarts. */
  readonly id: string;
  readonly health = new HealthChecks();
  /** Filled by role starters for the API (see ApiServices in api/deps.ts). */
  readonly services: Partial<ApiServices> = {};
  /** Base URL of the REST API once the `api` role listens. */
  apiUrl: string | null = null;
  private readonly stopHooks: StopHook[] = [];
  private readonly drainHooks: StopHook[] = [];
  private stopping: Promise<void> | null = null;

  constructor(
    readonly config: Config & { secretKey: string },
    readonly log: Logger,
    readonly db: Db,
    readonly redis: Redis,
    /** For parts that need their own connections (BullMQ workers want `maxRetriesPerRequest: null`). */
    readonly redisUrl: string,
  ) {
    this.id = resolveNodeId(config);
  }

  hasRole(role: Role): boolean {
    return this.config.roles.includes(role);
  }

  /**
   * Drain hooks run first, in registration order, while every part of the node still runs (the
   * API answers, the webhook workers deliver): refuse new work, let live work finish.
   */
  onDrain(name: string, fn: () => Promise<void>, options: StopHookOptions = {}): void {
    this.drainHooks.push({ name, fn, timeoutMs: options.timeoutMs ?? DEFAULT_STOP_TIMEOUT_MS });
  }

  /** Hooks run in reverse registration order: what started last stops first. */
  onStop(name: string, fn: () => Promise<void>, options: StopHookOptions = {}): void {
    this.stopHooks.push({ name, fn, timeoutMs: options.timeoutMs ?? DEFAULT_STOP_TIMEOUT_MS });
  }

  /** Idempotent; every hook is bounded by its timeout so a stuck part cannot hold the process. */
  stop(reason: string): Promise<void> {
    this.stopping ??= this.runStopHooks(reason);
    return this.stopping;
  }

  private async runStopHooks(reason: string): Promise<void> {
    this.log.info({ reason }, 'node stopping');
    for (const hook of [...this.drainHooks, ...[...this.stopHooks].reverse()]) {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), hook.timeoutMs);
      });
      try {
        const outcome = await Promise.race([hook.fn().then(() => 'done' as const), timedOut]);
        if (outcome === 'timeout') this.log.warn({ part: hook.name, timeoutMs: hook.timeoutMs }, 'stop timed out');
      } catch (err) {
        this.log.warn({ err, part: hook.name }, 'stop failed');
      } finally {
        clearTimeout(timer);
      }
    }
    this.log.info('node stopped');
  }
}

export const ROLE_ORDER: readonly Role[] = ['sip', 'worker', 'api'];

/** A listener that could not bind: say which port and the likely cause (another engine running). */
export function portInUse(err: unknown, what: string, port: number, setting: string): Error {
  if ((err as NodeJS.ErrnoException)?.code !== 'EADDRINUSE') return err as Error;
  return new Error(`${what} port ${port} is already in use: another voxgate engine (or another program) may be running on it; stop it, or set ${setting}`, { cause: err });
}

/**
 * Loads the secret key, opens PostgreSQL (embedded when DATABASE_URL is unset) and Redis, applies
 * migrations, then runs the starters of every configured role. The API starts last, so services
 * the other roles provide are registered before it accepts requests.
 */
export async function startNode(
  baseConfig: Config,
  log: Logger,
  starters: Readonly<Record<Role, readonly RoleStarter[]>>,
): Promise<VoxgateNode> {
  const config = await resolveSecretKey(baseConfig);
  let database: Database | null = null;
  let redis: RedisConnection | null = null;
  try {
    database = await openDatabase(config, log);
    log.info({ database: database.description }, 'database');
    redis = await connectRedis(config, log);
    log.info({ redis: redis.description }, 'redis');
    const migrations = await runMigrations(database.db, { log });
    log.info({ applied: migrations.applied.length, alreadyApplied: migrations.alreadyApplied }, 'migrations done');
  } catch (err) {
    await redis?.close().catch(() => undefined);
    await database?.close().catch(() => undefined);
    throw err;
  }
  const node = new VoxgateNode(config, log, database.db, redis.redis, redis.url);
  logMissingPlatformKeys(config, log);
  const { close: closeDatabase } = database;
  const { close: closeRedis } = redis;
  node.onStop('database', closeDatabase);
  node.onStop('redis', closeRedis);
  try {
    for (const role of ROLE_ORDER) {
      if (!node.hasRole(role)) continue;
      for (const start of starters[role]) await start(node);
      log.info({ role, parts: starters[role].length }, 'role started');
    }
  } catch (err) {
    await node.stop('start failed');
    throw err;
  }
  log.info({ nodeId: node.id, roles: config.roles }, 'node started');
  return node;
}

/**
 * A signal within this long of the first is the same one delivered twice: Ctrl-C in a terminal
 * reaches the whole process group, and `npm start` forwards it to the engine once more.
 */
const SAME_SIGNAL_MS = 1_000;

/** Says at start which providers have no platform key: their agents need an organization's BYOK key. */
export function logMissingPlatformKeys(config: Config, log: Logger): string[] {
  const missing = (Object.keys(config.providers) as Array<keyof Config['providers']>).filter((p) => !config.providers[p].apiKey);
  if (missing.length > 0) log.info({ providers: missing }, 'no platform key for these providers: their agents need an organization BYOK key');
  return missing;
}

/** SIGINT/SIGTERM: graceful stop (drain), then exit; a second signal exits at once. */
export function exitOnSignals(node: VoxgateNode): void {
  let signalledAt: number | null = null;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalledAt !== null) {
      if (Date.now() - signalledAt < SAME_SIGNAL_MS) return;
      node.log.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(1);
    }
    signalledAt = Date.now();
    void node.stop(signal).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
