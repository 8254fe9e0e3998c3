/** A whole node on real sockets: startNode with DATABASE_URL/REDIS_URL, /health over HTTP, ordered stop. */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logMissingPlatformKeys, startNode, type RoleStarter } from '../../src/node.js';
import { connectRedis } from '../../src/redis.js';
import { freePort } from '../../src/db/embedded.js';
import { createLogger } from '../../src/log.js';
import { ROLE_STARTERS } from '../../src/roles.js';
import { createTestDatabase, testConfig, testRedisPrefix, TEST_REDIS_URL, type TestDatabase } from '../helpers/index.js';

const log = createLogger('silent');

describe('startNode', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database?.drop());

  it('serves /health over HTTP, runs role starters in order and stops them in reverse', async () => {
    const events: string[] = [];
    const part =
      (name: string): RoleStarter =>
      async (node) => {
        events.push(`start ${name}`);
        node.health.register(name, () => true);
        node.onStop(name, async () => {
          events.push(`stop ${name}`);
        });
      };
    const config = testConfig({ DATABASE_URL: database.url, REDIS_URL: TEST_REDIS_URL, VOXGATE_REDIS_PREFIX: testRedisPrefix() });
    const node = await startNode(config, log, {
      sip: [part('sip')],
      worker: [part('worker')],
      api: [...ROLE_STARTERS.api, part('after-api')],
    });
    try {
      expect(events).toEqual(['start sip', 'start worker', 'start after-api']);
      expect(node.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${node.apiUrl}/health`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: 'ok' });
      const unauth = await fetch(`${node.apiUrl}/api/v1/organization`);
      expect(unauth.status).toBe(401);
    } finally {
      await node.stop('test');
    }
    expect(events.slice(3)).toEqual(['stop after-api', 'stop worker', 'stop sip']);
    await expect(fetch(`${node.apiUrl}/health`)).rejects.toThrow();
    // Idempotent.
    await node.stop('again');
  });

  it('drain hooks run first, while the other parts still run; then stop hooks in reverse', async () => {
    const events: string[] = [];
    const config = testConfig({ DATABASE_URL: database.url, REDIS_URL: TEST_REDIS_URL, VOXGATE_REDIS_PREFIX: testRedisPrefix() });
    const node = await startNode(config, log, {
      sip: [async (n) => {
        n.onDrain('sip', async () => void events.push(`drain sip; api up: ${(await fetch(`${n.apiUrl}/health`).then((r) => r.status, () => 0)) === 200}`));
        n.onStop('sip', async () => void events.push('stop sip'));
      }],
      worker: [],
      api: [...ROLE_STARTERS.api],
    });
    await node.stop('test');
    expect(events).toEqual(['drain sip; api up: true', 'stop sip']);
  });

  it('logs at start which providers have no platform key', () => {
    const lines: Array<Record<string, unknown>> = [];
    const capture = createLogger('info', {}, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const config = testConfig({ OPENAI_API_KEY: 'sk-platform', DEEPGRAM_API_KEY: '' });
    expect(logMissingPlatformKeys(config, capture)).toEqual(['xai', 'mistral', 'deepgram', 'elevenlabs', 'resend']);
    expect(lines[0]).toMatchObject({ providers: ['xai', 'mistral', 'deepgram', 'elevenlabs', 'resend'], msg: expect.stringMatching(/no platform key/) });
  });

  it('starts only the configured roles', async () => {
    const started: string[] = [];
    const config = testConfig({ DATABASE_URL: database.url, REDIS_URL: TEST_REDIS_URL, VOXGATE_ROLES: 'worker' });
    const node = await startNode(config, log, {
      sip: [async () => void started.push('sip')],
      worker: [async () => void started.push('worker')],
      api: ROLE_STARTERS.api,
    });
    await node.stop('test');
    expect(started).toEqual(['worker']);
    expect(node.apiUrl).toBeNull();
  });

  it('a stop hook that hangs is abandoned after its timeout', async () => {
    const config = testConfig({ DATABASE_URL: database.url, REDIS_URL: TEST_REDIS_URL, VOXGATE_ROLES: 'sip' });
    const node = await startNode(config, log, {
      sip: [async (n) => n.onStop('stuck', () => new Promise(() => undefined), { timeoutMs: 100 })],
      worker: [],
      api: [],
    });
    const started = Date.now();
    await node.stop('test');
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('connectRedis without REDIS_URL', () => {
  it('starts an ephemeral redis-server when nothing answers on the default address, and stops it on close', async () => {
    const closedPort = await freePort();
    const config = testConfig({ REDIS_URL: '' });
    const conn = await connectRedis(config, log, { defaultUrl: `redis://127.0.0.1:${closedPort}` });
    try {
      expect(conn.description).toMatch(/^ephemeral redis-server at redis:\/\/127\.0\.0\.1:\d+$/);
      expect(await conn.redis.set('k', 'v')).toBe('OK');
      expect(await conn.redis.config('GET', 'save')).toEqual(['save', '']);
    } finally {
      await conn.close();
    }
    const port = Number(new URL(conn.url).port);
    const refused = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => resolve(false));
      socket.once('error', () => resolve(true));
    });
    expect(refused).toBe(true);
  });

  it('uses 127.0.0.1:6379 when it answers', async () => {
    const conn = await connectRedis(testConfig({ REDIS_URL: '' }), log, { defaultUrl: TEST_REDIS_URL });
    try {
      expect(conn.description).toBe('redis://127.0.0.1:6379');
    } finally {
      await conn.close();
    }
  });
});
