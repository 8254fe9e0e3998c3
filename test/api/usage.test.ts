import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { billedMinutes, costOf, recordUsage } from '../../src/api/resources/usage/billing.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { buildTestApp, type TestApp, type TestOrg } from '../helpers/index.js';

describe('usage billing rules', () => {
  it('bills per started minute', () => {
    expect([0, 1, 59, 60, 61, 84, 120, 121].map(billedMinutes)).toEqual([0, 1, 1, 1, 2, 2, 2, 3]);
  });

  it('prices minutes at PRICE_PER_MINUTE (default €0.07)', () => {
    const host = { cores: 1, publicIpv4: '127.0.0.1' };
    expect(loadConfig({}, host).pricePerMinute).toBe(0.07);
    expect(loadConfig({ PRICE_PER_MINUTE: '0.1' }, host).pricePerMinute).toBe(0.1);
    for (const bad of ['-1', 'abc', '0.00001']) expect(() => loadConfig({ PRICE_PER_MINUTE: bad }, host), bad).toThrow(ConfigError);
    expect(costOf(2, 0.07)).toBe(0.14);
    expect(costOf(3, 0.07)).toBe(0.21);
  });
});

describe('/api/v1/usage', () => {
  let t: TestApp;
  let a: TestOrg;
  let b: TestOrg;

  const get = (org: TestOrg, q = '') => t.app.inject({ method: 'GET', url: `/api/v1/usage${q}`, headers: t.auth(org.apiKey) });

  beforeAll(async () => {
    t = await buildTestApp();
    a = await t.createOrg();
    b = await t.createOrg();
    // 12 calls, one per day from 2025-11-25, lasting 30 s, 60 s, 84 s, … (i * 24 + 30).
    for (let i = 0; i < 12; i++) {
      const { rows } = await t.db.query<{ id: string }>("INSERT INTO calls (org_id, direction, status) VALUES ($1, 'inbound', 'ended') RETURNING id", [
        a.org.id,
      ]);
      expect(await recordUsage(t.db, { orgId: a.org.id, callId: rows[0].id, durationSeconds: 30 + i * 24, pricePerMinute: t.config.pricePerMinute })).toBe(
        billedMinutes(30 + i * 24),
      );
      const day = new Date(Date.UTC(2025, 10, 25 + i, 9));
      await t.db.query('UPDATE usage_logs SET created_at = $2 WHERE call_id = $1', [rows[0].id, day]);
    }
    const { rows } = await t.db.query<{ id: string }>("INSERT INTO calls (org_id, direction, status) VALUES ($1, 'inbound', 'ended') RETURNING id", [
      b.org.id,
    ]);
    await recordUsage(t.db, { orgId: b.org.id, callId: rows[0].id, durationSeconds: 600, pricePerMinute: 0.07 });
  });
  afterAll(() => t.close());

  it('records a call once, whatever the retries', async () => {
    const { rows } = await t.db.query<{ call_id: string }>('SELECT call_id FROM usage_logs WHERE org_id = $1 LIMIT 1', [a.org.id]);
    expect(await recordUsage(t.db, { orgId: a.org.id, callId: rows[0].call_id, durationSeconds: 999, pricePerMinute: 0.07 })).toBeNull();
    expect((await t.db.query('SELECT 1 FROM usage_logs WHERE call_id = $1', [rows[0].call_id])).rowCount).toBe(1);
  });

  it('lists logs newest first with pagination and a summary over everything', async () => {
    const res = await get(a);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(Object.keys(body)).toEqual(['logs', 'pagination', 'summary']);
    expect(body.pagination).toEqual({ total: 12, limit: 100, offset: 0 });
    const durations = Array.from({ length: 12 }, (_, i) => 30 + i * 24);
    const minutes = durations.map(billedMinutes);
    const totalMinutes = minutes.reduce((x, y) => x + y, 0);
    const seconds = durations.reduce((x, y) => x + y, 0);
    expect(body.summary).toEqual({
      total_minutes: totalMinutes,
      total_cost: costOf(totalMinutes, 0.07),
      total_calls: 12,
      total_duration_seconds: seconds,
      total_duration_minutes: Math.round((seconds / 60) * 100) / 100,
    });
    expect(body.logs[0]).toEqual({
      id: expect.any(String),
      call_id: expect.any(String),
      duration_seconds: 294,
      minutes_used: 5,
      cost: 0.35,
      duration_sec: 294,
      call_type: 'phone',
      created_at: '2025-12-06T09:00:00.000Z',
    });
    expect(body.logs.find((l: { duration_seconds: number }) => l.duration_seconds === 78)).toMatchObject({ minutes_used: 2, cost: 0.14 });
  });

  it('the summary covers the whole filtered range, not just the page', async () => {
    const page = (await get(a, '?limit=2&offset=1')).json();
    expect(page.logs).toHaveLength(2);
    expect(page.logs.map((l: { created_at: string }) => l.created_at)).toEqual(['2025-12-05T09:00:00.000Z', '2025-12-04T09:00:00.000Z']);
    expect(page.pagination).toEqual({ total: 12, limit: 2, offset: 1 });
    expect(page.summary.total_calls).toBe(12);

    const december = (await get(a, '?start_date=2025-12-01&end_date=2025-12-03&limit=1')).json();
    // Dec 1–3 inclusive: the calls of index 6, 7 and 8 (174 s, 198 s, 222 s → 3 + 4 + 4 minutes).
    expect(december.pagination.total).toBe(3);
    expect(december.logs).toHaveLength(1);
    expect(december.summary).toEqual({ total_minutes: 11, total_cost: 0.77, total_calls: 3, total_duration_seconds: 594, total_duration_minutes: 9.9 });
    const empty = (await get(a, '?start_date=2030-01-01')).json();
    expect(empty).toEqual({ logs: [], pagination: { total: 0, limit: 100, offset: 0 }, summary: { total_minutes: 0, total_cost: 0, total_calls: 0, total_duration_seconds: 0, total_duration_minutes: 0 } });
  });

  it('refuses bad query parameters', async () => {
    for (const q of ['?limit=0', '?limit=5000', '?offset=-3', '?start_date=last-week', '?end_date=2025-02-30', '?end_date=2025-02-28T99:00']) {
      const res = await get(a, q);
      expect(res.statusCode, q).toBe(400);
      expect(res.json().error).toBe('invalid_request');
    }
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/usage' })).statusCode).toBe(401);
  });

  it('carries the call’s number and agent names (SDK fields), omitted when the call has none', async () => {
    const { rows } = await t.db.query<{ id: string }>(
      `INSERT INTO calls (org_id, direction, status, assistant_phone, agent_name, business_name)
       VALUES ($1, 'web', 'ended', '+31850835037', 'Reception', 'Acme BV') RETURNING id`,
      [b.org.id],
    );
    await recordUsage(t.db, { orgId: b.org.id, callId: rows[0].id, durationSeconds: 5, pricePerMinute: 0.07 });
    const logs = (await get(b)).json().logs as Record<string, unknown>[];
    expect(logs.find((l) => l.call_id === rows[0].id)).toMatchObject({ call_type: 'web', phone_number: '+31850835037', agent_name: 'Reception', business_name: 'Acme BV' });
    expect(logs.find((l) => l.call_id !== rows[0].id)).not.toHaveProperty('agent_name');
    await t.db.query('DELETE FROM usage_logs WHERE call_id = $1', [rows[0].id]);
  });

  it('isolation: each organization sees only its own usage', async () => {
    const other = (await get(b)).json();
    expect(other.pagination.total).toBe(1);
    expect(other.summary).toEqual({ total_minutes: 10, total_cost: 0.7, total_calls: 1, total_duration_seconds: 600, total_duration_minutes: 10 });
    const mine = (await get(a)).json();
    const theirs = new Set(other.logs.map((l: { id: string }) => l.id));
    expect(mine.logs.some((l: { id: string }) => theirs.has(l.id))).toBe(false);
  });
});
