import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/index.js';

describe('admin API', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(() => t?.close());

  const admin = (method: 'POST' | 'DELETE' | 'GET', url: string, payload?: object) =>
    t.app.inject({ method, url: `/api/v1/admin${url}`, headers: t.adminAuth(), payload });

  it('creates an organization whose key, shown once, works at once', async () => {
    const res = await admin('POST', '/organizations', { name: 'Acme BV', minutes_balance: 120 });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body.organization).toMatchObject({ name: 'Acme BV', minutes_balance: 120, active_agents: 0, active_calls: 0 });
    expect(body.api_key).toMatch(/^vg_live_/);
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/organization', headers: t.auth(body.api_key) });
    expect(me.json()).toEqual(body.organization);
    const { rows } = await t.db.query('SELECT key_hash, prefix FROM api_keys WHERE org_id = $1', [body.organization.id]);
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(body.api_key);
    expect(body.api_key.startsWith(rows[0].prefix)).toBe(true);
  });

  it('refuses a field it does not read, naming it, and creates nothing', async () => {
    const before = await t.db.query('SELECT count(*)::int AS n FROM organizations');
    const res = await admin('POST', '/organizations', { name: 'Acme BV', minutes_balance: 120, unknown_field: 1 });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_request', type: 'invalid_request', param: 'unknown_field' });
    const after = await t.db.query('SELECT count(*)::int AS n FROM organizations');
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it('leaves minutes_balance null (unlimited) unless given', async () => {
    const res = await admin('POST', '/organizations', { name: 'Unlimited' });
    expect(res.json().organization.minutes_balance).toBeNull();
  });

  it('validates the body', async () => {
    expect((await admin('POST', '/organizations', {})).json()).toMatchObject({ error: 'missing_field', param: 'name' });
    expect((await admin('POST', '/organizations', { name: 'x', minutes_balance: -5 })).json()).toMatchObject({
      error: 'invalid_request',
      param: 'minutes_balance',
    });
  });

  it('creates and revokes further keys', async () => {
    const org = (await admin('POST', '/organizations', { name: 'Keys' })).json();
    const second = await admin('POST', `/organizations/${org.organization.id}/api-keys`, { name: 'ci' });
    expect(second.statusCode).toBe(201);
    expect(second.json()).toMatchObject({ id: expect.any(String), api_key: expect.stringMatching(/^vg_live_/) });
    const revoke = await admin('DELETE', `/organizations/${org.organization.id}/api-keys/${second.json().id}`);
    expect(revoke.statusCode).toBe(200);
    expect(revoke.json()).toEqual({ success: true });
    const refused = await t.app.inject({ method: 'GET', url: '/api/v1/organization', headers: t.auth(second.json().api_key) });
    expect(refused.json().error).toBe('api_key_revoked');
    const first = await t.app.inject({ method: 'GET', url: '/api/v1/organization', headers: t.auth(org.api_key) });
    expect(first.statusCode).toBe(200);
  });

  it('does not revoke a key through another organization', async () => {
    const a = (await admin('POST', '/organizations', { name: 'A' })).json();
    const b = (await admin('POST', '/organizations', { name: 'B' })).json();
    const res = await admin('DELETE', `/organizations/${b.organization.id}/api-keys/${a.api_key_id}`);
    expect(res.statusCode).toBe(404);
    const still = await t.app.inject({ method: 'GET', url: '/api/v1/organization', headers: t.auth(a.api_key) });
    expect(still.statusCode).toBe(200);
  });

  it('adds credits, starting from zero for an unlimited org', async () => {
    const org = (await admin('POST', '/organizations', { name: 'Credits', minutes_balance: 10 })).json();
    const res = await admin('POST', `/organizations/${org.organization.id}/credits`, { minutes: 50 });
    expect(res.statusCode).toBe(200);
    expect(res.json().minutes_balance).toBe(60);
    const unlimited = (await admin('POST', '/organizations', { name: 'Was unlimited' })).json();
    expect((await admin('POST', `/organizations/${unlimited.organization.id}/credits`, { minutes: 5 })).json().minutes_balance).toBe(5);
    expect((await admin('POST', `/organizations/${org.organization.id}/credits`, { minutes: 0 })).statusCode).toBe(400);
  });

  it('answers 404 for unknown organizations', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    expect((await admin('POST', `/organizations/${id}/api-keys`)).statusCode).toBe(404);
    expect((await admin('POST', `/organizations/${id}/credits`, { minutes: 1 })).statusCode).toBe(404);
    expect((await admin('GET', `/organizations/${id}`)).statusCode).toBe(404);
    expect((await admin('GET', '/organizations/not-a-uuid')).json().error).toBe('not_found');
  });

  it('refuses organization keys and wrong admin keys', async () => {
    const org = await t.createOrg();
    for (const authorization of [`Bearer ${org.apiKey}`, 'Bearer wrong-admin-key-0123456789', '']) {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/admin/organizations', headers: { authorization }, payload: { name: 'x' } });
      expect(res.statusCode).toBe(401);
      expect(res.json().error).toBe('unauthorized');
    }
  });

  it('does not let an admin key act as an organization key', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/organization', headers: t.adminAuth() });
    expect(res.statusCode).toBe(401);
  });
});

describe('admin API without ADMIN_API_KEY', () => {
  it('does not exist', async () => {
    const t = await buildTestApp({ env: { ADMIN_API_KEY: '' } });
    try {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/admin/organizations', headers: t.adminAuth(), payload: { name: 'x' } });
      expect(res.statusCode).toBe(404);
      expect(res.json().error).toBe('not_found');
      const doc = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
      expect(Object.keys(doc.paths).some((p) => p.includes('/admin'))).toBe(false);
    } finally {
      await t.close();
    }
  });
});
