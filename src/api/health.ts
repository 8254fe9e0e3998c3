/**
 * `GET /health` (no auth): `{"status":"ok"}` only when PostgreSQL, Redis and every registered
 * role probe answer; else 503 naming what is down; while the node drains, 503
 * `{"status":"draining","live_calls":N,"down":[]}` so a balancer takes it out. The SIP listener and the media workers
 * register their probes when their role starts on this node; a role that does not run here has
 * no probe and is not checked.
 */
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Queryable } from '../db/pool.js';
import { Type } from './schemas.js';

export type HealthProbe = () => boolean | Promise<boolean>;

const PROBE_TIMEOUT_MS = 2_000;

export class HealthChecks {
  private readonly probes = new Map<string, HealthProbe>();
  /** Set while the node drains: load balancers take it out, the API keeps answering. */
  private drainingCalls: (() => number) | null = null;

  /** The node drains from now on; `liveCalls` says how many calls it still waits for. */
  startDraining(liveCalls: () => number): void {
    this.drainingCalls = liveCalls;
  }

  /** Live calls while draining, else null. */
  get draining(): number | null {
    return this.drainingCalls?.() ?? null;
  }

  /** e.g. `health.register('sip', () => listener.listening)`; returns an unregister function. */
  register(name: string, probe: HealthProbe): () => void {
    this.probes.set(name, probe);
    return () => {
      if (this.probes.get(name) === probe) this.probes.delete(name);
    };
  }

  names(): string[] {
    return [...this.probes.keys()];
  }

  /** Runs every probe in parallel, each bounded by a timeout; returns the names that are down. */
  async down(): Promise<string[]> {
    const results = await Promise.all(
      [...this.probes].map(async ([name, probe]) => ((await withTimeout(probe)) ? null : name)),
    );
    return results.filter((n): n is string => n !== null);
  }
}

async function withTimeout(probe: HealthProbe): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      Promise.resolve().then(probe),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), PROBE_TIMEOUT_MS);
      }),
    ]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

export function postgresProbe(db: Queryable): HealthProbe {
  return async () => (await db.query('SELECT 1')).rowCount === 1;
}

export function redisProbe(redis: Redis): HealthProbe {
  // A client that is reconnecting would queue the PING until it times out; answer at once instead.
  return async () => redis.status === 'ready' && (await redis.ping()) === 'PONG';
}

const HealthOk = Type.Object({ status: Type.Literal('ok') });
const HealthDown = Type.Union([
  Type.Object({ status: Type.Literal('unavailable'), down: Type.Array(Type.String()) }),
  Type.Object({ status: Type.Literal('draining'), live_calls: Type.Integer(), down: Type.Array(Type.String()) }),
]);

export function registerHealthRoute(app: FastifyInstance, checks: HealthChecks): void {
  app.get(
    '/health',
    {
      schema: {
        tags: ['health'],
        summary: 'Liveness of PostgreSQL, Redis, the SIP listener and the media workers on this node',
        security: [],
        response: { 200: HealthOk, 503: HealthDown },
      },
    },
    async (_request, reply) => {
      const down = await checks.down();
      const draining = checks.draining;
      if (draining !== null) return reply.code(503).send({ status: 'draining', live_calls: draining, down });
      if (down.length > 0) return reply.code(503).send({ status: 'unavailable', down });
      return { status: 'ok' };
    },
  );
}
