/**
 * Redis (ioredis): REDIS_URL if set; else 127.0.0.1:6379 if something answers there; else an
 * ephemeral `redis-server` (no persistence, own port, stopped with the process) when one is on
 * PATH; else a clear error saying how to provide Redis.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Socket } from 'node:net';
import { Redis, type RedisOptions } from 'ioredis';
import type { Config } from './config.js';
import { freePort } from './db/embedded.js';
import { describeUrl, type Logger } from './log.js';

export { Redis };

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export interface RedisConnection {
  redis: Redis;
  url: string;
  /** Safe to log. */
  description: string;
  close(): Promise<void>;
}

export class RedisUnavailableError extends Error {}

/**
 * Lock settings for our BullMQ workers. A job a crashed node was running stays locked until its
 * lock expires and a stalled-job check finds it; with BullMQ's defaults (30 s, checked every
 * 30 s) that held a dead node's webhook, and every later event of the same call queued behind
 * it, for up to a minute. Here it is run again within 15 s. Every job may run twice (at least
 * once): the database row it names decides what is left to do.
 */
export const WORKER_LOCK = { lockDuration: 10_000, stalledInterval: 5_000 } as const;

/** A client for our use: bounded retries per command so a dead server fails requests instead of hanging them. */
export function createRedisClient(url: string, log?: Logger): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: 2, lazyConnect: false, connectTimeout: 5_000 });
  logErrors(redis, log, 'main');
  return redis;
}

/** Another connection to the same server (subscribers, BullMQ), with its errors logged, not thrown. */
export function duplicateClient(redis: Redis, log: Logger | undefined, purpose: string, options: RedisOptions = {}): Redis {
  const copy = redis.duplicate(options);
  logErrors(copy, log, purpose);
  return copy;
}

const ERROR_LOG_INTERVAL_MS = 30_000;

/** While the server is down every reconnect fails: one line per client every 30 s is enough. */
function logErrors(redis: Redis, log: Logger | undefined, purpose: string): void {
  let lastLogged = 0;
  redis.on('error', (err: Error) => {
    const now = Date.now();
    if (now - lastLogged < ERROR_LOG_INTERVAL_MS) return;
    lastLogged = now;
    log?.warn({ err: err.message, connection: purpose }, 'redis connection error');
  });
}

function answersPing(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host, () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

async function commandExists(command: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(command, ['--version'], { stdio: 'ignore' });
    child.on('error', () => resolve(false));
    child.on('exit', (code) => resolve(code === 0));
  });
}

async function startEphemeralRedis(log: Logger): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  const killOnExit = () => child.kill('SIGTERM');
  process.on('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  for (let i = 0; i < 100; i++) {
    if (await answersPing('127.0.0.1', port, 200)) {
      log.info({ port }, 'started ephemeral redis-server (no persistence)');
      return { url: `redis://127.0.0.1:${port}`, child };
    }
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new RedisUnavailableError('redis-server was found on PATH but did not start');
}

export interface ConnectRedisOptions {
  /** Where to look when REDIS_URL is unset (tests point it at a closed port). */
  defaultUrl?: string;
}

export async function connectRedis(config: Config, log: Logger, options: ConnectRedisOptions = {}): Promise<RedisConnection> {
  let url = config.redisUrl;
  let child: ChildProcess | null = null;
  if (url === null) {
    const fallback = new URL(options.defaultUrl ?? DEFAULT_REDIS_URL);
    if (await answersPing(fallback.hostname, Number(fallback.port || 6379))) {
      url = fallback.toString();
    } else if (await commandExists('redis-server')) {
      ({ url, child } = await startEphemeralRedis(log));
    } else {
      throw new RedisUnavailableError(
        'no Redis: set REDIS_URL=redis://host:6379, start Redis on 127.0.0.1:6379, or install redis-server so voxgate can start a temporary one',
      );
    }
  }
  const redis = createRedisClient(url, log);
  const description = child ? `ephemeral redis-server at ${url}` : describeUrl(url);
  return {
    redis,
    url,
    description,
    async close() {
      await redis.quit().catch(() => redis.disconnect());
      if (child && child.exitCode === null) {
        const exited = new Promise((r) => child?.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3_000))]);
      }
    },
  };
}
