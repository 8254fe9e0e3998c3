/**
 * Issue #8, item 6: a key sent as `?api_key=` was logged verbatim in the request log. Keys and
 * tokens in the query string and in headers are redacted; the rest of the URL stays readable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganization } from '../../src/api/admin/service.js';
import { buildApp } from '../../src/api/app.js';
import { createLogger, redactUrl } from '../../src/log.js';
import { clearRedisPrefix, createTestDatabase, createTestRedis, testConfig, testRedisPrefix, type TestDatabase } from '../helpers/index.js';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';

describe('request logs', () => {
  const lines: string[] = [];
  let database: TestDatabase;
  let redis: Redis;
  let app: FastifyInstance;
  let apiKey: string;
  const prefix = testRedisPrefix();

  beforeAll(async () => {
    database = await createTestDatabase();
    redis = createTestRedis();
    const config = testConfig({ DATABASE_URL: database.url, VOXGATE_REDIS_PREFIX: prefix, LOG_LEVEL: 'info' });
    const logger = createLogger('info', {}, { write: (line: string) => void lines.push(line) });
    app = await buildApp({ config, db: database.db, redis, logger });
    await app.ready();
    apiKey = (await createOrganization(database.db, { name: 'Logs' })).api_key;
  });
  afterAll(async () => {
    await app?.close();
    await clearRedisPrefix(redis, prefix);
    redis?.disconnect();
    await database?.drop();
  });

  it('redact a key sent as ?api_key=, ?token=, ?client_secret=, keeping the other parameters', async () => {
    lines.length = 0;
    const secret = 'vg_live_LEAKME123';
    await app.inject({ method: 'GET', url: `/api/v1/calls?limit=5&api_key=${secret}&token=${secret}2&client_secret=${secret}3&status=ended` });
    const incoming = lines.map((l) => JSON.parse(l) as { msg: string; req?: { url: string } }).find((l) => l.msg === 'incoming request');
    expect(incoming?.req?.url).toBe('/api/v1/calls?limit=5&api_key=[redacted]&token=[redacted]&client_secret=[redacted]&status=ended');
    expect(lines.join('\n')).not.toContain('LEAKME');
  });

  it('never write the Authorization or X-Api-Key header', async () => {
    lines.length = 0;
    await app.inject({ method: 'GET', url: '/api/v1/organization', headers: { authorization: `Bearer ${apiKey}`, 'x-api-key': apiKey } });
    // A careless log call with the raw headers is redacted too.
    app.log.info({ req: { headers: { authorization: `Bearer ${apiKey}`, 'x-api-key': apiKey } } }, 'debugging headers');
    app.log.info({ headers: { 'x-api-key': apiKey } }, 'debugging headers');
    expect(lines.length).toBeGreaterThan(2);
    expect(lines.join('\n')).not.toContain(apiKey);
  });
});

describe('redactUrl', () => {
  it.each([
    ['/x', '/x'],
    ['/x?limit=5', '/x?limit=5'],
    ['/x?api_key=abc', '/x?api_key=[redacted]'],
    ['/x?API-KEY=abc&apikey=def', '/x?API-KEY=[redacted]&apikey=[redacted]'],
    ['/x?key=abc&keyterms=a', '/x?key=[redacted]&keyterms=a'],
    ['/x?access_token=abc&refresh_token=def&password=p', '/x?access_token=[redacted]&refresh_token=[redacted]&password=[redacted]'],
    ['/x?api%5Fkey=abc', '/x?api%5Fkey=[redacted]'],
    ['/x?secret', '/x?secret'],
    ['/x?%zz=1&token=t', '/x?%zz=1&token=[redacted]'],
  ])('%s → %s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });
});
