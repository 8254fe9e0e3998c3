/**
 * What the REST API needs from the rest of the process. Routes reach it as `app.deps`.
 *
 * Parts of the control plane that the API calls into but that live elsewhere (the outbound
 * dialer, the call-control bus, the webhook queue…) are added to `ApiServices` by declaration
 * merging in their own module, and put into `deps.services` by the node when their role starts:
 *
 *   declare module '../api/deps.js' {
 *     interface ApiServices { outboundDialer: OutboundDialer }
 *   }
 *
 * A route whose service is absent on this node (its role does not run here) either falls back
 * (e.g. publishes through Redis to the node that owns the call) or throws `providerUnavailable()`.
 */
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { SecretBox } from '../crypto.js';
import type { Db } from '../db/pool.js';
import type { HealthChecks } from './health.js';
import type { RateLimiters } from './rate-limit.js';

// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging
export interface ApiServices {}

export interface ApiDeps {
  config: Config;
  db: Db;
  redis: Redis;
  /** Probes of this node; buildApp adds `postgres` and `redis`. */
  health: HealthChecks;
  /** Encrypts provider keys and trunk passwords at rest (needs config.secretKey). */
  secrets: SecretBox;
  services: Partial<ApiServices>;
  limiters: RateLimiters;
}

declare module 'fastify' {
  interface FastifyInstance {
    deps: ApiDeps;
  }
}

export function secretBoxFor(config: Config): SecretBox {
  if (config.secretKey === null) throw new Error('config.secretKey is not resolved; call resolveSecretKey(config) first');
  return new SecretBox(config.secretKey);
}
