/**
 * Redis down (issue #8, defect 12), with a redis-server the test owns: new calls are still
 * answered, judged on this node's own count of the organization's calls; the REST rate limit
 * holds on this node's own count; a call that ends meanwhile is finalised without waiting on
 * Redis; when Redis comes back empty, the next heartbeat puts the live calls back in the shared
 * counts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { isVoiced } from '../fakes/audio.js';
import { freePort } from '../helpers/ports.js';
import { isSipError } from '../../sip/index.js';
import { startTestEngine, type TestEngine } from '../call/engine.js';
import { callRow, eventually } from '../call/helpers.js';
import { TestPhone } from '../call/phone.js';

const NUMBER = '+31850005001';
const LIMIT = 12;

async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined);
  await eventually(async () => (await probe.connect().then(() => probe.ping(), () => null)) === 'PONG', 10_000, 'redis-server to start');
  probe.disconnect();
  return child;
}

describe('Redis down', () => {
  let port: number;
  let redis: ChildProcess;
  let engine: TestEngine;
  const phones: TestPhone[] = [];

  async function call(): Promise<number> {
    const p = await TestPhone.start();
    phones.push(p);
    try {
      await p.dial(`${NUMBER}@127.0.0.1:${engine.sipPort}`, '+31612000501');
      return 200;
    } catch (err) {
      if (isSipError(err)) return err.status;
      throw err;
    }
  }

  beforeAll(async () => {
    port = await freePort();
    redis = await startRedis(port);
    engine = await startTestEngine({ redisUrl: `redis://127.0.0.1:${port}`, env: { ORG_MAX_CONCURRENT_CALLS: '2', RATE_LIMIT_PER_MINUTE: String(LIMIT) } });
    await engine.agentWithNumber(NUMBER);
  }, 60_000);
  afterAll(async () => {
    for (const p of phones) await p.close().catch(() => undefined);
    await engine?.close();
    redis?.kill('SIGKILL');
  });

  it('answers calls on the local count, keeps rate-limiting, finalises calls, and restores the shared counts when Redis is back', async () => {
    expect(await call()).toBe(200);
    redis.kill('SIGKILL');
    await new Promise((resolve) => redis.once('exit', resolve));

    // Admission on this node's own count: a second call is answered, a third is over the limit of 2.
    expect(await call()).toBe(200);
    await eventually(() => phones[1].heard.some((h) => isVoiced(h.payload)), 8_000, "the second call's greeting");
    expect(await call()).toBe(486);

    // The REST limit is enforced locally (a window boundary may reset it once, hence 2 × the limit).
    const statuses: number[] = [];
    for (let i = 0; i < 2 * LIMIT + 2 && !statuses.includes(429); i++) {
      statuses.push((await engine.api.inject({ method: 'GET', url: '/api/v1/organization', headers: { authorization: `Bearer ${engine.apiKey}` } })).statusCode);
    }
    expect(statuses).toContain(429);
    expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);

    // A call that ends while Redis is down is finalised without waiting for it.
    const { rows } = await engine.database.db.query<{ id: string }>(`SELECT id FROM calls WHERE status = 'in-progress' ORDER BY created_at DESC LIMIT 1`);
    await phones[1].hangup();
    await eventually(async () => (await callRow(engine, rows[0].id)).status === 'ended', 10_000, 'the call to be finalised');

    // Redis comes back empty: the next heartbeat registers the live call again, and only it
    // (a heartbeat queued during the outage must not bring back the call that ended).
    const live = await engine.database.db.query<{ id: string }>(`SELECT id FROM calls WHERE status = 'in-progress'`);
    expect(live.rows).toHaveLength(1);
    redis = await startRedis(port);
    const check = new Redis(port, '127.0.0.1');
    try {
      const key = `${engine.node.config.redisPrefix}calls:org:${engine.orgId}`;
      await eventually(async () => (await check.zcard(key)) > 0, 30_000, 'the live call to be registered again');
      expect(await check.zrange(key, '0', '-1')).toEqual([live.rows[0].id]);
      await phones[0].hangup();
      await eventually(async () => (await check.zcard(key)) === 0, 10_000, 'the slot to be released');
    } finally {
      check.disconnect();
    }
  }, 90_000);
});
