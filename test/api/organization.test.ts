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
      company_name: 'Acme BV',
      minutes_balance: 500,
      credits_balance: 500,
      monthly_usage_minutes: 3, // since the 1st of the month 00:00 UTC; last month's 10 excluded
      active_numbers: 2,
      active_agents: 3, // Flireo: "agents in org"
      active_calls: 4, // ringing, connecting, in-progress, forwarding
      has_local_models_access: true,
      parent_org_id: null,
      content_retention_days: null,
      metadata_retention_days: null,
      webhook_format: null,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      updated_at: expect.any(String),
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
    expect(res.json()).toMatchObject({
      id: b.org.id,
      name: 'Other',
      minutes_balance: null,
      monthly_usage_minutes: 0,
      active_numbers: 0,
      active_agents: 0,
      active_calls: 0,
    });
    expect(res.json()).not.toHaveProperty('credits_balance'); // unlimited: the SDK's number is absent, not null
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

describe('child organizations, retention and the webhook format (SDK generation)', () => {
  let t: TestApp;
  let parent: TestOrg;
  let unlimited: TestOrg;
  beforeAll(async () => {
    t = await buildTestApp();
    parent = await t.createOrg({ name: 'Reseller', minutes_balance: 100 });
    unlimited = await t.createOrg({ name: 'Unlimited reseller' });
  });
  afterAll(() => t?.close());

  const call = (key: string, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers: t.auth(key), payload });

  it('POST /organizations creates a child with its own key, shown once; the parent lists it with include_children', async () => {
    const res = await call(parent.apiKey, 'POST', '/organizations', { name: 'Client BV', email: 'ops@client.example' });
    expect(res.statusCode, res.body).toBe(201);
    const child = res.json();
    expect(child).toMatchObject({ name: 'Client BV', email: 'ops@client.example', parent_org_id: parent.org.id, minutes_balance: 0, api_key: expect.stringMatching(/^vg_live_/) });
    expect(child.created_at).toEqual(expect.any(String));
    const me = await call(child.api_key, 'GET', '/organizations');
    expect(me.json()).toMatchObject({ id: child.id, parent_org_id: parent.org.id });
    expect(me.json()).not.toHaveProperty('api_key');
    const withChildren = await call(parent.apiKey, 'GET', '/organizations?include_children=true');
    expect(withChildren.json().children).toEqual([{ id: child.id, name: 'Client BV', created_at: child.created_at }]);
    expect((await call(parent.apiKey, 'GET', '/organizations')).json()).not.toHaveProperty('children');
    // The child sees its own data only.
    await call(parent.apiKey, 'POST', '/agents', { name: 'Parent agent' });
    expect((await call(child.api_key, 'GET', '/agents')).json()).toEqual({ agents: [] });
    const unlimitedChild = (await call(unlimited.apiKey, 'POST', '/organizations', { name: 'Free child' })).json();
    expect(unlimitedChild.minutes_balance).toBeNull();
  });

  it('a child may be created under a descendant, never under a foreign organization', async () => {
    const child = (await call(parent.apiKey, 'POST', '/organizations', { name: 'Level 1' })).json();
    const grandchild = await call(parent.apiKey, 'POST', '/organizations', { name: 'Level 2', parent_org_id: child.id });
    expect(grandchild.json()).toMatchObject({ parent_org_id: child.id });
    const foreign = await call(parent.apiKey, 'POST', '/organizations', { name: 'Hijack', parent_org_id: unlimited.org.id });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json()).toMatchObject({ error: 'not_found', param: 'parent_org_id' });
    const upward = await call(child.api_key, 'POST', '/organizations', { name: 'Up', parent_org_id: parent.org.id });
    expect(upward.statusCode).toBe(404);
    expect((await call(parent.apiKey, 'POST', '/organizations', { name: 'x', plan: 'pro' })).json()).toMatchObject({ param: 'plan' });
  });

  it('PATCH /organizations sets retention (content ≤ metadata, the allowed periods only), name and webhook_format', async () => {
    const res = await call(parent.apiKey, 'PATCH', '/organizations', { content_retention_days: 30, metadata_retention_days: 90 });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ content_retention_days: 30, metadata_retention_days: 90 });
    const cases: [object, string][] = [
      [{ content_retention_days: 365 }, 'content_retention_days'], // 365 > 90
      [{ content_retention_days: null }, 'content_retention_days'], // content kept, metadata not
      [{ content_retention_days: 31 }, 'content_retention_days'],
      [{ metadata_retention_days: 730, content_retention_days: 730 }, 'content_retention_days'],
      [{ metadata_retention_days: 7 }, 'metadata_retention_days'],
      [{ webhook_format: 'kebab' }, 'webhook_format'],
      [{ retention: 30 }, 'retention'],
    ];
    for (const [body, param] of cases) {
      const bad = await call(parent.apiKey, 'PATCH', '/organizations', body);
      expect(bad.statusCode, JSON.stringify(body)).toBe(400);
      expect(bad.json().param, JSON.stringify(body)).toBe(param);
    }
    const widened = await call(parent.apiKey, 'PATCH', '/organizations', { metadata_retention_days: 730, content_retention_days: 365 });
    expect(widened.json()).toMatchObject({ content_retention_days: 365, metadata_retention_days: 730 });
    const cleared = await call(parent.apiKey, 'PATCH', '/organizations', { metadata_retention_days: null });
    expect(cleared.json()).toMatchObject({ content_retention_days: 365, metadata_retention_days: null });
    const renamed = await call(parent.apiKey, 'PATCH', '/organization', { name: 'Reseller BV', webhook_format: 'snake' });
    expect(renamed.json()).toMatchObject({ name: 'Reseller BV', company_name: 'Reseller BV', webhook_format: 'snake', content_retention_days: 365 });
  });

  it('agents without their own webhook_format follow the organization’s (the call path reads it through loadAgent)', async () => {
    const { loadAgent } = await import('../../src/agents/index.js');
    const { secretBoxFor } = await import('../../src/api/deps.js');
    const org = await t.createOrg();
    const inherit = (await call(org.apiKey, 'POST', '/agents', { name: 'Inherits' })).json().agent;
    const own = (await call(org.apiKey, 'POST', '/agents', { name: 'Own', webhook_format: 'camel' })).json().agent;
    expect(inherit.webhook_format).toBeNull();
    const secrets = secretBoxFor(t.config);
    expect((await loadAgent(t.db, secrets, org.org.id, inherit.id))?.webhook_format).toBe('camel');
    await call(org.apiKey, 'PATCH', '/organizations', { webhook_format: 'snake' });
    expect((await loadAgent(t.db, secrets, org.org.id, inherit.id))?.webhook_format).toBe('snake');
    expect((await loadAgent(t.db, secrets, org.org.id, own.id))?.webhook_format).toBe('camel');
    // The API still shows what the agent itself says.
    expect((await call(org.apiKey, 'GET', `/agents/${inherit.id}`)).json().agent.webhook_format).toBeNull();
  });
});
