/**
 * `buildTestApp()`: the real REST API on a fresh database and a private Redis key prefix, for
 * `app.inject()` tests. Call `close()` in afterAll.
 *
 *   const t = await buildTestApp();
 *   afterAll(() => t.close());
 *   const { apiKey } = await t.createOrg();
 *   const res = await t.app.inject({ method: 'GET', url: '/api/v1/organization', headers: t.auth(apiKey) });
 */
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Config, Env } from '../../src/config.js';
import type { Db } from '../../src/db/pool.js';
import { createOrganization } from '../../src/api/admin/service.js';
import { buildApp } from '../../src/api/app.js';
import type { ApiServices } from '../../src/api/deps.js';
import { HealthChecks } from '../../src/api/health.js';
import type { ApiPlugin } from '../../src/api/plugin.js';
import type { OrganizationView } from '../../src/api/resources/organization/schema.js';
import { TEST_ADMIN_KEY, testConfig } from './config.js';
import { createTestDatabase, type TestDatabase } from './db.js';
import { clearRedisPrefix, createTestRedis, testRedisPrefix, TEST_REDIS_URL } from './redis.js';
import { TEST_PG_ADMIN_URL } from './db.js';

export interface TestOrg {
  org: OrganizationView;
  apiKey: string;
  apiKeyId: string;
}

export interface TestApp {
  app: FastifyInstance;
  db: Db;
  redis: Redis;
  config: Config;
  database: TestDatabase;
  health: HealthChecks;
  /** Creates an organization with one API key, directly in the database. */
  createOrg(input?: { name?: string; minutes_balance?: number | null }): Promise<TestOrg>;
  /** `{ authorization: 'Bearer <key>' }` */
  auth(apiKey: string): { authorization: string };
  adminAuth(): { authorization: string };
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Extra environment for loadConfig (e.g. `{ RATE_LIMIT_PER_MINUTE: '3' }`). */
  env?: Env;
  resources?: readonly ApiPlugin[];
  services?: Partial<ApiServices>;
  health?: HealthChecks;
  /** Use this Redis client instead of a fresh one to 127.0.0.1:6379 (closed by close()). */
  redis?: Redis;
}

export async function buildTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const prefix = testRedisPrefix();
  const config = testConfig({ DATABASE_URL: database.url, REDIS_URL: TEST_REDIS_URL, VOXGATE_REDIS_PREFIX: prefix, ...options.env });
  const redis = options.redis ?? createTestRedis();
  // A fresh client is still connecting; /health answers "redis down" until it is ready.
  if (!options.redis && redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
  const health = options.health ?? new HealthChecks();
  const app = await buildApp({ config, db: database.db, redis, health, services: options.services, resources: options.resources });
  await app.ready();
  let orgCount = 0;
  return {
    app,
    db: database.db,
    redis,
    config,
    database,
    health,
    async createOrg(input = {}) {
      orgCount += 1;
      const created = await createOrganization(database.db, { name: input.name ?? `Test org ${orgCount}`, minutes_balance: input.minutes_balance });
      return { org: created.organization, apiKey: created.api_key, apiKeyId: created.api_key_id };
    },
    auth: (apiKey) => ({ authorization: `Bearer ${apiKey}` }),
    adminAuth: () => ({ authorization: `Bearer ${TEST_ADMIN_KEY}` }),
    async close() {
      await app.close();
      if (redis.status === 'ready') await clearRedisPrefix(redis, prefix).catch(() => undefined);
      redis.disconnect();
      await database.drop();
    },
  };
}

export { TEST_PG_ADMIN_URL };
