import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp, type TestOrg } from '../helpers/index.js';
import { expectOrgIsolation } from './isolation-helpers.js';

async function seed(t: TestApp, orgId: string): Promise<void> {
  const agent = await t.db.query<{ id: string }>("INSERT INTO agents (org_id, name) VALUES ($1, 'A1'), ($1, 'A2') RETURNING id", [orgId]);
  await t.db.query("INSERT INTO agents (org_id, name, is_active) VALUES ($1, 'Inactive', false)", [orgId]);
  const suffix = orgId.slice(0, 6).replace(/\D/g, '7').padEnd(6, '7');
  await t.db.query(`INSERT INTO numbers (org_id, phone_number, agent_id) VALUES ($1, '+3185${suffix}1', $2), ($1, '+3185${suffix}2', NULL)`, [
    orgId,
    agent.rows[0].id,
  ]);
  const statuses = ['ringing', 'connecting', 'in-progress', 'forwarding', 'ended', 'ended-with-error', 'failed', 'rejected', 'transferred'];
  const calls = await t.db.query<{ id: string }>(
    `INSERT INTO calls (org_id, direction, status) SELECT $1, 'inbound', s FROM unnest($2::text[]) s RETURNING id`,
    [orgId, statuses],
  );
  const [c1, c2, c3] = calls.rows.map((r) => r.id);
  // Two usage rows this month, one last month (must not count).
  await t.db.query(
    `INSERT INTO usage_logs (org_id, call_id, duration_seconds, minutes_used, created_at) VALUES
       ($1, $2, 84, 2, now()),
       ($1, $3, 30, 1, date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'),
       ($1, $4, 600, 10, (date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC') - interval '1 second')`,
    [orgId, c1, c2, c3],
  );
}

describe('GET /api/v1/organization', () => {
  let t: TestApp;
  let a: TestOrg;
  let b: TestOrg;
  beforeAll(async () => {
    t = await buildTestApp();
    a = await t.createOrg({ name: 'Acme BV', minutes_balance: 500 });
    b = await t.createOrg({ name: 'Other' });
    await seed(t, a.org.id);
  });
  afterAll(() => t?.close());

  it('returns the bare organization with counters computed from its data', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/organization', headers: t.auth(a.apiKey) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      id: a.org.id,
      name: 'Acme BV',
      minutes_balance: 500,
      monthly_usage_minutes: 3, // since the 1st of the month 00:00 UTC; last month's 10 excluded
      active_numbers: 2,
      active_agents: 3, // Flireo: "agents in org"
      active_calls: 4, // ringing, connecting, in-progress, forwarding
    });
  });

  it('answers the same on /organizations and /account', async () => {
    const main = await t.app.inject({ method: 'GET', url: '/api/v1/organization', headers: t.auth(a.apiKey) });
    for (const url of ['/api/v1/organizations', '/api/v1/account', '/api/v1/organization/']) {
      const res = await t.app.inject({ method: 'GET', url, headers: t.auth(a.apiKey) });
      expect(res.json()).toEqual(main.json());
    }
  });

  it('shows another organization only its own data', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/organization', headers: t.auth(b.apiKey) });
    expect(res.json()).toEqual({
      id: b.org.id,
      name: 'Other',
      minutes_balance: null,
      monthly_usage_minutes: 0,
      active_numbers: 0,
      active_agents: 0,
      active_calls: 0,
    });
  });

  it('the isolation helper catches a route that leaks across organizations', async () => {
    // The admin organization route takes any id: used with the helper it must fail, proving the
    // helper can fail. Resource tests use it on their own routes, where it must pass.
    const leaky = [{ method: 'GET' as const, url: (id: string) => `/api/v1/admin/organizations/${id}` }];
    const app = {
      inject: (options: { headers?: Record<string, string> } & Record<string, unknown>) =>
        t.app.inject({ ...options, headers: t.adminAuth() } as never),
    } as unknown as typeof t.app;
    await expect(expectOrgIsolation(app, { ownerKey: a.apiKey, otherKey: b.apiKey, id: a.org.id, routes: leaky })).rejects.toThrow(
      /foreign GET/,
    );
  });
});
