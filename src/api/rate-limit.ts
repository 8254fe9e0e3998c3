/**
 * Fixed-window rate limits counted in Redis, so they hold across nodes (flireo-api A.1, B §1.9):
 * 100 requests/min per API key, 10 control commands/min per call. The window is the wall-clock
 * minute; `X-RateLimit-Reset` is its end in Unix seconds.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import { rateLimited } from './errors.js';

export interface RateLimitResult {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Unix seconds at which the window resets. */
  resetAt: number;
  /** Seconds until the reset, at least 1. */
  retryAfter: number;
}

export interface LimiterOptions {
  /** Redis key prefix of the deployment (config.redisPrefix). */
  prefix: string;
  /** Bucket name, e.g. `api` or `call-control`. */
  name: string;
  limit: number;
  windowSeconds?: number;
  log?: Logger;
  now?: () => number;
}

/** This node's own counts, used only while Redis is down; only the current window is kept. */
class LocalWindow {
  private window = -1;
  private readonly counts = new Map<string, number>();
  warnedWindow = -1;

  hit(key: string, window: number): number {
    if (window !== this.window) {
      this.window = window;
      this.counts.clear();
    }
    const count = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, count);
    return count;
  }
}

export class FixedWindowLimiter {
  readonly limit: number;
  private readonly local = new LocalWindow();
  private readonly windowSeconds: number;
  private readonly now: () => number;

  constructor(
    private readonly redis: Redis,
    private readonly options: LimiterOptions,
  ) {
    this.limit = options.limit;
    this.windowSeconds = options.windowSeconds ?? 60;
    this.now = options.now ?? Date.now;
  }

  /**
   * Counts one hit for `id`. While Redis cannot be reached the limit is enforced on this node's
   * own count (fail safe: never unlimited), and logged once per window.
   */
  async consume(id: string): Promise<RateLimitResult> {
    const nowSeconds = this.now() / 1000;
    const window = Math.floor(nowSeconds / this.windowSeconds);
    const resetAt = (window + 1) * this.windowSeconds;
    const retryAfter = Math.max(1, Math.ceil(resetAt - nowSeconds));
    const key = `${this.options.prefix}rl:${this.options.name}:${id}:${window}`;
    let count: number;
    try {
      if (this.redis.status !== 'ready') throw new Error(`redis is ${this.redis.status}`);
      const results = await this.redis.multi().incr(key).expire(key, this.windowSeconds + 5).exec();
      count = Number(results?.[0]?.[1] ?? 0);
    } catch (err) {
      count = this.local.hit(key, window);
      if (this.local.warnedWindow !== window) {
        this.local.warnedWindow = window;
        this.options.log?.warn({ err: (err as Error).message, bucket: this.options.name }, 'Redis unavailable: rate limit enforced on this node\'s own count');
      }
    }
    return { allowed: count <= this.limit, limit: this.limit, remaining: Math.max(0, this.limit - count), resetAt, retryAfter };
  }

  /**
   * A Fastify hook that limits by `idOf(request)`, sets the X-RateLimit-* headers and answers
   * 429 `rate_limit_exceeded` with Retry-After when over the limit. Use after authentication,
   * e.g. `preHandler: limiter.hook((req) => (req.params as { id: string }).id)` for call control.
   */
  hook(idOf: (request: FastifyRequest) => string) {
    return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
      const result = await this.consume(idOf(request));
      setRateLimitHeaders(reply, result);
      if (!result.allowed) throw rateLimited(result.retryAfter);
    };
  }
}

export function setRateLimitHeaders(reply: FastifyReply, result: RateLimitResult): void {
  reply.header('x-ratelimit-limit', result.limit);
  reply.header('x-ratelimit-remaining', result.remaining);
  reply.header('x-ratelimit-reset', result.resetAt);
}

export interface RateLimiters {
  /** Per API key, every authenticated request. */
  api: FixedWindowLimiter;
  /** Per call, for POST /calls/{id}/control. */
  callControl: FixedWindowLimiter;
}

export function createRateLimiters(redis: Redis, config: { redisPrefix: string; rateLimit: { perMinute: number; callControlPerMinute: number } }, log?: Logger): RateLimiters {
  return {
    api: new FixedWindowLimiter(redis, { prefix: config.redisPrefix, name: 'api', limit: config.rateLimit.perMinute, log }),
    callControl: new FixedWindowLimiter(redis, {
      prefix: config.redisPrefix,
      name: 'call-control',
      limit: config.rateLimit.callControlPerMinute,
      log,
    }),
  };
}
