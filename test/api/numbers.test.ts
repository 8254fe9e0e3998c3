import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRedis, buildTestApp, type TestApp, type TestOrg } from '../helpers/index.js';
import { routingChannel, type RoutingEvent } from '../../src/api/resources/numbers/routing-events.js';
import { expectOrgIsolation } from './isolation-helpers.js';

async function insertAgent(t: TestApp, orgId: string, name = 'Agent'): Promise<string> {
  const { rows } = await t.db.query<{ id: string }>('INSERT INTO agents (org_id, name) VALUES ($1, $2) RETURNING id', [orgId, name]);
  return rows[0].id;
}

async function insertTrunk(t: TestApp, orgId: string, name = 'PBX'): Promise<string> {
  const { rows } = await t.db.query<{ id: string }>("INSERT INTO sip_trunks (org_id, name, host) VALUES ($1, $2, 'pbx.example.com') RETURNING id", [
    orgId,
    name,
  ]);
  return rows[0].id;
}

describe('/api/v1/numbers', () => {
  let t: TestApp;
  let a: TestOrg;
  let b: TestOrg;
  let agentA: string;
  let trunkA: string;
  let agentB: string;
  let trunkB: string;
  const invalidated: string[] = [];
  const events: RoutingEvent[] = [];
  const subscriber = createTestRedis();

  const call = (org: TestOrg, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers: t.auth(org.apiKey), payload });

  beforeAll(async () => {
    t = await buildTestApp({ services: { routingCache: { invalidate: (n) => invalidated.push(n) } } });
    a = await t.createOrg();
    b = await t.createOrg();
    agentA = await insertAgent(t, a.org.id, 'Reception');
    trunkA = await insertTrunk(t, a.org.id, 'Office PBX');
    agentB = await insertAgent(t, b.org.id);
    trunkB = await insertTrunk(t, b.org.id);
    subscriber.on('message', (_channel, message) => events.push(JSON.parse(message) as RoutingEvent));
    await subscriber.subscribe(routingChannel(t.config.redisPrefix));
  });
  afterAll(async () => {
    subscriber.disconnect();
    await t.close();
  });

  it('registers a number with its agent and trunk: 201, wrapper `number`, names resolved', async () => {
    const res = await call(a, 'POST', '/numbers', {
      phone_number: '+31 85 083 5037',
      name: 'Main line',
      agent_id: agentA,
      transfer_trunk_id: trunkA,
    });
    expect(res.statusCode).toBe(201);
    const { number } = res.json();
    expect(number).toEqual({
      id: expect.any(String),
      phone_number: '+31850835037',
      name: 'Main line',
      agent_id: agentA,
      agent_name: 'Reception',
      business_name: null,
      transfer_trunk_id: trunkA,
      transfer_trunk_name: 'Office PBX',
      is_active: true,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      updated_at: expect.any(String),
    });
    const got = await call(a, 'GET', `/numbers/${number.id}`);
    expect(got.json()).toEqual({ number });
  });

  it('is_active (SDK field) is stored: a switched-off number keeps its agent', async () => {
    const res = await call(a, 'POST', '/numbers', { phone_number: '+31850000777', agent_id: agentA, is_active: false });
    expect(res.json().number).toMatchObject({ is_active: false, agent_id: agentA });
    const on = await call(a, 'PATCH', `/numbers/${res.json().number.id}`, { is_active: true });
    expect(on.json().number).toMatchObject({ is_active: true, agent_id: agentA });
    const both = await call(a, 'PATCH', `/numbers/${res.json().number.id}`, { agent_id: agentA, assistant_id: trunkA });
    expect(both.json()).toMatchObject({ error: 'invalid_request', param: 'assistant_id' });
    await call(a, 'DELETE', `/numbers/${res.json().number.id}`);
  });

  it('accepts `number` and `assistant_id` as aliases and defaults the rest to null', async () => {
    const res = await call(a, 'POST', '/numbers', { number: '0031201234567', assistant_id: agentA });
    expect(res.statusCode).toBe(201);
    expect(res.json().number).toMatchObject({ phone_number: '+31201234567', agent_id: agentA, name: null, transfer_trunk_id: null });
  });

  it('normalises E.164 input and refuses what cannot be read as E.164', async () => {
    const accepted: [string, string][] = [
      ['+31 85 083 5036', '+31850835036'],
      ['0031850835038', '+31850835038'],
      ['+31 (0)85-083 5039', '+31850835039'],
      ['tel:+31850835040', '+31850835040'],
      ['+1 (415) 555-0100', '+14155550100'],
      ['+44.20.7946.0018', '+442079460018'],
    ];
    for (const [input, expected] of accepted) {
      const res = await call(a, 'POST', '/numbers', { phone_number: input });
      expect(res.statusCode, input).toBe(201);
      expect(res.json().number.phone_number).toBe(expected);
    }
    for (const input of ['085 083 5037', 'abc', '+0123456789', '+12345', '+1234567890123456', '31850835037', '']) {
      const res = await call(a, 'POST', '/numbers', { phone_number: input });
      expect(res.statusCode, input).toBe(400);
      expect(['invalid_phone_number', 'invalid_request']).toContain(res.json().error);
      if (input !== '') expect(res.json()).toMatchObject({ error: 'invalid_phone_number', param: 'phone_number' });
    }
  });

  it('needs a phone number', async () => {
    const res = await call(a, 'POST', '/numbers', { name: 'x' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'missing_field', param: 'phone_number' });
  });

  it('answers 409 for a number registered anywhere, without naming the owner', async () => {
    const first = await call(a, 'POST', '/numbers', { phone_number: '+31850000001' });
    expect(first.statusCode).toBe(201);
    const same = await call(a, 'POST', '/numbers', { phone_number: '0031 85 000 0001' });
    expect(same.statusCode).toBe(409);
    expect(same.json()).toEqual({ error: 'conflict', type: 'conflict', message: 'This phone number is already registered', param: 'phone_number' });
    const other = await call(b, 'POST', '/numbers', { phone_number: '+31850000001' });
    expect(other.statusCode).toBe(409);
    expect(other.json()).toEqual(same.json());
    const id = (await call(b, 'POST', '/numbers', { phone_number: '+31850000002' })).json().number.id;
    const patch = await call(b, 'PATCH', `/numbers/${id}`, { phone_number: '+31850000001' });
    expect(patch.statusCode).toBe(409);
  });

  it('refuses another organization’s agent or trunk as not found', async () => {
    for (const body of [{ agent_id: agentB }, { assistant_id: agentB }, { transfer_trunk_id: trunkB }, { agent_id: '00000000-0000-4000-8000-000000000000' }]) {
      const res = await call(a, 'POST', '/numbers', { phone_number: '+31850000010', ...body });
      expect(res.statusCode, JSON.stringify(body)).toBe(404);
      expect(res.json().error).toBe('not_found');
      expect(res.json().param).toBe(Object.keys(body)[0]);
    }
    const id = (await call(a, 'POST', '/numbers', { phone_number: '+31850000011' })).json().number.id;
    expect((await call(a, 'PATCH', `/numbers/${id}`, { agent_id: agentB })).statusCode).toBe(404);
    expect((await call(a, 'PATCH', `/numbers/${id}`, { transfer_trunk_id: trunkB })).statusCode).toBe(404);
    expect((await call(a, 'GET', `/numbers/${id}`)).json().number.agent_id).toBeNull();
  });

  it('PATCH changes only the fields sent; null unassigns; the number itself can change', async () => {
    const created = (await call(a, 'POST', '/numbers', { phone_number: '+31850000020', name: 'Sales', agent_id: agentA, transfer_trunk_id: trunkA }))
      .json().number;
    const renamed = await call(a, 'PATCH', `/numbers/${created.id}`, { name: 'Sales NL' });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.json().number).toMatchObject({ name: 'Sales NL', agent_id: agentA, transfer_trunk_id: trunkA, phone_number: '+31850000020' });
    const cleared = await call(a, 'PATCH', `/numbers/${created.id}`, { agent_id: null, transfer_trunk_id: null });
    expect(cleared.json().number).toMatchObject({ agent_id: null, agent_name: null, transfer_trunk_id: null, transfer_trunk_name: null });
    invalidated.length = 0;
    const moved = await call(a, 'PATCH', `/numbers/${created.id}`, { number: '+31 85 000 0021', assistant_id: agentA });
    expect(moved.json().number).toMatchObject({ phone_number: '+31850000021', agent_id: agentA });
    expect(invalidated).toEqual(['+31850000020', '+31850000021']);
    const empty = await call(a, 'PATCH', `/numbers/${created.id}`, {});
    expect(empty.statusCode).toBe(200);
    expect(empty.json().number.phone_number).toBe('+31850000021');
    const bad = await call(a, 'PATCH', `/numbers/${created.id}`, { phone_number: '12' });
    expect(bad.json()).toMatchObject({ error: 'invalid_phone_number', param: 'phone_number' });
  });

  it('lists only the caller’s numbers, oldest first, under `numbers`', async () => {
    const res = await call(b, 'GET', '/numbers');
    expect(res.statusCode).toBe(200);
    const numbers = res.json().numbers as { phone_number: string }[];
    expect(numbers.map((n) => n.phone_number)).toEqual(['+31850000002']);
    const mine = (await call(a, 'GET', '/numbers')).json().numbers as { created_at: string }[];
    expect(mine.length).toBeGreaterThan(5);
    expect([...mine].sort((x, y) => x.created_at.localeCompare(y.created_at))).toEqual(mine);
  });

  it('deletes with {"success": true}; then 404', async () => {
    const id = (await call(a, 'POST', '/numbers', { phone_number: '+31850000030' })).json().number.id;
    const res = await call(a, 'DELETE', `/numbers/${id}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ success: true });
    expect((await call(a, 'GET', `/numbers/${id}`)).statusCode).toBe(404);
    expect((await call(a, 'DELETE', `/numbers/${id}`)).statusCode).toBe(404);
    // The number is free again, for any org.
    expect((await call(b, 'POST', '/numbers', { phone_number: '+31850000030' })).statusCode).toBe(201);
  });

  it('tells the routing cache and other nodes (Redis) about every change', async () => {
    invalidated.length = 0;
    events.length = 0;
    const id = (await call(a, 'POST', '/numbers', { phone_number: '+31850000040' })).json().number.id;
    await call(a, 'PATCH', `/numbers/${id}`, { agent_id: agentA });
    await call(a, 'DELETE', `/numbers/${id}`);
    expect(invalidated).toEqual(['+31850000040', '+31850000040', '+31850000040']);
    // Earlier tests' messages may still be arriving: look at this number only.
    const mine = () => events.filter((e) => e.type === 'number' && e.phone_number === '+31850000040');
    await expect.poll(() => mine().length).toBe(3);
  });

  it('a failing cache hook does not fail the request', async () => {
    const t2 = await buildTestApp({ services: { routingCache: { invalidate: () => { throw new Error('boom'); } } } });
    try {
      const org = await t2.createOrg();
      const res = await t2.app.inject({ method: 'POST', url: '/api/v1/numbers', headers: t2.auth(org.apiKey), payload: { phone_number: '+31850000050' } });
      expect(res.statusCode).toBe(201);
    } finally {
      await t2.close();
    }
  });

  it('answers 401 without a key and 404 for malformed or unknown ids', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/numbers' })).statusCode).toBe(401);
    expect((await call(a, 'GET', '/numbers/not-a-uuid')).json().error).toBe('not_found');
    expect((await call(a, 'PATCH', '/numbers/00000000-0000-4000-8000-000000000000', { name: 'x' })).statusCode).toBe(404);
  });

  it('isolation: another organization gets 404 on every route for this org’s number', async () => {
    const id = (await call(a, 'POST', '/numbers', { phone_number: '+31850000060', agent_id: agentA })).json().number.id;
    await expectOrgIsolation(t.app, {
      ownerKey: a.apiKey,
      otherKey: b.apiKey,
      id,
      routes: [
        { method: 'GET', url: (x) => `/api/v1/numbers/${x}` },
        { method: 'PATCH', url: (x) => `/api/v1/numbers/${x}`, body: { name: 'hijack', agent_id: agentB } },
        { method: 'DELETE', url: (x) => `/api/v1/numbers/${x}` },
      ],
    });
    expect((await call(a, 'GET', `/numbers/${id}`)).json().number).toMatchObject({ name: null, agent_id: agentA });
  });
});
