import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeApiKey } from '../../src/api/admin/service.js';
import { notFound } from '../../src/api/errors.js';
import type { ApiPlugin } from '../../src/api/plugin.js';
import { resourcePlugins } from '../../src/api/resources/index.js';
import { Body, Name, Type } from '../../src/api/schemas.js';
import { freePort } from '../../src/db/embedded.js';
import { FixedWindowLimiter } from '../../src/api/rate-limit.js';
import { buildTestApp, clearRedisPrefix, createTestRedis, testRedisPrefix, type TestApp, type TestOrg } from '../helpers/index.js';

/** Routes that exist only in this test, to reach the error paths a real resource can hit. */
const probeRoutes: ApiPlugin = async (app) => {
  app.get('/test/boom', async () => {
    throw new Error('secret internals at /srv/voxgate');
  });
  app.get('/test/missing', async () => {
    throw notFound('agent');
  });
  app.post(
    '/test/echo',
    {
      schema: {
        body: Body({
          name: Name(),
          count: Type.Optional(Type.Integer()),
          nested: Type.Optional(Type.Object({ inner: Type.Array(Type.String({ maxLength: 3 })) })),
        }),
      },
    },
    async (request) => ({ received: request.body }),
  );
  app.get('/test/dup', async (request) => {
    await app.deps.db.query("INSERT INTO numbers (org_id, phone_number) VALUES ($1, '+31850009999')", [request.org.id]);
    return {};
  });
};

describe('REST core', () => {
  let t: TestApp;
  let a: TestOrg;
  beforeAll(async () => {
    t = await buildTestApp({ resources: [...resourcePlugins, probeRoutes] });
    a = await t.createOrg();
  });
  afterAll(() => t?.close());

  describe('authentication', () => {
    it('401 unauthorized without a key, with a malformed header, and with an unknown key', async () => {
      for (const headers of [{}, { authorization: a.apiKey }, { authorization: 'Bearer vg_live_nope' }, { authorization: 'Basic abc' }]) {
        const res = await t.app.inject({ method: 'GET', url: '/api/v1/organization', headers });
        expect(res.statusCode).toBe(401);
        expect(res.json()).toEqual({ error: 'unauthorized', message: 'Invalid or missing API key' });
      }
    });

    it('401 api_key_revoked for a revoked key, while the org’s other keys keep working', async () => {
      const org = await t.createOrg();
      const second = await t.app.inject({ method: 'POST', url: `/api/v1/admin/organizations/${org.org.id}/api-keys`, headers: t.adminAuth() });
      await revokeApiKey(t.db, org.org.id, org.apiKeyId);
      const revoked = await t.app.inject({ method: 'GET', url: '/api/v1/organization', headers: t.auth(org.apiKey) });
      expect(revoked.statusCode).toBe(401);
      expect(revoked.json().error).toBe('api_key_revoked');
      const other = await t.app.inject({ method: 'GET', url: '/api/v1/organization', headers: t.auth(second.json().api_key) });
      expect(other.statusCode).toBe(200);
    });

    it('checks the key before reading the body', async () => {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/test/echo', headers: { 'content-type': 'application/json' }, payload: '{bad' });
      expect(res.statusCode).toBe(401);
    });
  });

  describe('error bodies', () => {
    const post = (payload: string | object, headers: Record<string, string> = {}) =>
      t.app.inject({ method: 'POST', url: '/api/v1/test/echo', headers: { ...t.auth(a.apiKey), 'content-type': 'application/json', ...headers }, payload });

    it('an empty body counts as {} (so the missing field is named)', async () => {
      const res = await post('');
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: 'missing_field', param: 'name' });
    });

    it('malformed JSON → 400 invalid_request', async () => {
      const res = await post('{"name": ');
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toBe('invalid_request');
      expect(res.json().message).toMatch(/JSON/);
    });

    it('a wrong type → 400 invalid_request naming the field', async () => {
      const res = await post({ name: 'x', count: '5' });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({
        error: 'invalid_request',
        message: 'Invalid field count: must be integer',
        param: 'count',
        details: ['count: must be integer'],
      });
    });

    it('a nested problem names the path the way a client writes it', async () => {
      const res = await post({ name: 'x', nested: { inner: ['ok', 'too long'] } });
      expect(res.statusCode).toBe(400);
      expect(res.json().param).toBe('nested.inner[1]');
    });

    it('a missing field → 400 missing_field', async () => {
      const res = await post({ count: 1 });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: 'missing_field', param: 'name', message: 'name is required' });
    });

    it('every problem is listed in details', async () => {
      const res = await post({ name: '', count: 1.5 });
      expect(res.json().details).toEqual(expect.arrayContaining(['name: must NOT have fewer than 1 characters', 'count: must be integer']));
    });

    it('strings are capped', async () => {
      const res = await post({ name: 'x'.repeat(201) });
      expect(res.statusCode).toBe(400);
      expect(res.json().param).toBe('name');
    });

    it('unknown body fields are stripped, not refused', async () => {
      const res = await post({ name: 'x', vapi_only: true });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ received: { name: 'x' } });
    });

    it('non-JSON bodies → 415, oversized bodies → 413, both invalid_request', async () => {
      const text = await post('name=x', { 'content-type': 'text/plain' });
      expect(text.statusCode).toBe(415);
      expect(text.json().error).toBe('invalid_request');
      const big = await post(JSON.stringify({ name: 'x', pad: 'y'.repeat(1_100_000) }));
      expect(big.statusCode).toBe(413);
      expect(big.json().error).toBe('invalid_request');
    });

    it('unknown routes → 404 not_found, with or without a key', async () => {
      for (const headers of [{}, t.auth(a.apiKey)]) {
        const res = await t.app.inject({ method: 'GET', url: '/api/v1/nothing-here?x=1', headers });
        expect(res.statusCode).toBe(404);
        expect(res.json()).toEqual({ error: 'not_found', message: 'Route not found' });
      }
    });

    it('service errors keep their code', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/api/v1/test/missing', headers: t.auth(a.apiKey) });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ error: 'not_found', message: 'agent not found' });
    });

    it('unexpected errors → 500 internal_error without stack or internals', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/api/v1/test/boom', headers: t.auth(a.apiKey) });
      expect(res.statusCode).toBe(500);
      expect(res.json()).toEqual({ error: 'internal_error', message: 'Internal server error' });
      expect(res.body).not.toMatch(/secret internals|\/srv|at .*\.ts/);
      expect(res.headers['x-request-id']).toBeTruthy();
    });

    it('a unique violation a service did not handle → 409 conflict', async () => {
      const first = await t.app.inject({ method: 'GET', url: '/api/v1/test/dup', headers: t.auth(a.apiKey) });
      expect(first.statusCode).toBe(200);
      const second = await t.app.inject({ method: 'GET', url: '/api/v1/test/dup', headers: t.auth(a.apiKey) });
      expect(second.statusCode).toBe(409);
      expect(second.json().error).toBe('conflict');
    });
  });

  it('echoes a client request id and makes one otherwise', async () => {
    const given = await t.app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'abc-123' } });
    expect(given.headers['x-request-id']).toBe('abc-123');
    const made = await t.app.inject({ method: 'GET', url: '/health' });
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  describe('OpenAPI', () => {
    it('serves the document with every route, its schemas and the error body', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
      expect(res.statusCode).toBe(200);
      const doc = res.json();
      expect(doc.openapi).toBe('3.1.0');
      expect(Object.keys(doc.paths)).toEqual(
        expect.arrayContaining(['/health', '/api/v1/organization', '/api/v1/organizations', '/api/v1/account', '/api/v1/admin/organizations']),
      );
      const org = doc.paths['/api/v1/organization'].get;
      expect(org.responses['200'].content['application/json'].schema.properties.minutes_balance).toBeDefined();
      expect(org.responses['4XX'].content['application/json'].schema.properties.error.enum).toContain('rate_limit_exceeded');
      const create = doc.paths['/api/v1/admin/organizations'].post;
      expect(create.requestBody.content['application/json'].schema.properties.name.maxLength).toBe(200);
      expect(create.security).toEqual([{ adminKey: [] }]);
      expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
      expect(doc.paths['/api/v1/openapi.json']).toBeUndefined();
    });

    it('serves Swagger UI at /docs', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/docs' });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('Swagger UI');
    });
  });
});

describe('rate limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ env: { RATE_LIMIT_PER_MINUTE: '3' }, resources: [...resourcePlugins, probeRoutes] });
  });
  afterAll(() => t?.close());

  it('count per key, send X-RateLimit-* on every response and answer 429 with Retry-After', async () => {
    // Stay inside one wall-clock minute window.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 55_000) await new Promise((r) => setTimeout(r, 60_500 - intoMinute));
    const a = await t.createOrg();
    const b = await t.createOrg();
    const get = (key: string) => t.app.inject({ method: 'GET', url: '/api/v1/organization', headers: t.auth(key) });
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await get(a.apiKey);
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-ratelimit-limit']).toBe('3');
      remaining.push(String(res.headers['x-ratelimit-remaining']));
    }
    expect(remaining).toEqual(['2', '1', '0']);
    const limited = await get(a.apiKey);
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error).toBe('rate_limit_exceeded');
    expect(limited.headers['x-ratelimit-remaining']).toBe('0');
    const reset = Number(limited.headers['x-ratelimit-reset']);
    expect(reset % 60).toBe(0);
    expect(reset).toBeGreaterThan(Date.now() / 1000);
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Another key has its own budget.
    expect((await get(b.apiKey)).statusCode).toBe(200);
    // Errors of an authenticated request carry the headers too.
    const missing = await t.app.inject({ method: 'GET', url: '/api/v1/test/missing', headers: t.auth(b.apiKey) });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['x-ratelimit-remaining']).toBe('1');
  });
});

describe('GET /health', () => {
  it('200 {"status":"ok"} when PostgreSQL, Redis and the registered probes are up', async () => {
    const t = await buildTestApp();
    try {
      t.health.register('sip', () => true);
      t.health.register('media', async () => true);
      const res = await t.app.inject({ method: 'GET', url: '/health' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ status: 'ok' });
    } finally {
      await t.close();
    }
  });

  it('503 naming what is down: Redis unreachable, a role probe failing or throwing', async () => {
    const port = await freePort(); // nothing listens there
    const deadRedis = new Redis(`redis://127.0.0.1:${port}`, { maxRetriesPerRequest: 0, retryStrategy: () => 1000 });
    deadRedis.on('error', () => undefined);
    const t = await buildTestApp({ redis: deadRedis });
    try {
      t.health.register('sip', () => false);
      t.health.register('media', () => {
        throw new Error('worker crashed');
      });
      const res = await t.app.inject({ method: 'GET', url: '/health' });
      expect(res.statusCode).toBe(503);
      expect(res.json().status).toBe('unavailable');
      expect(res.json().down.sort()).toEqual(['media', 'redis', 'sip']);
    } finally {
      await t.close();
    }
  });
});

describe('FixedWindowLimiter', () => {
  it('resets at the next window and reports when', async () => {
    const redis = createTestRedis();
    const prefix = testRedisPrefix();
    let now = Date.UTC(2030, 0, 1, 12, 0, 10);
    const limiter = new FixedWindowLimiter(redis, { prefix, name: 'call-control', limit: 2, now: () => now });
    await redis.ping();
    try {
      expect((await limiter.consume('call-1')).remaining).toBe(1);
      expect((await limiter.consume('call-1')).allowed).toBe(true);
      const third = await limiter.consume('call-1');
      expect(third).toMatchObject({ allowed: false, remaining: 0, resetAt: Date.UTC(2030, 0, 1, 12, 1, 0) / 1000, retryAfter: 50 });
      expect((await limiter.consume('call-2')).allowed).toBe(true);
      now += 50_000;
      expect((await limiter.consume('call-1')).allowed).toBe(true);
    } finally {
      await clearRedisPrefix(redis, prefix);
      redis.disconnect();
    }
  });
});
