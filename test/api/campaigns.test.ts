import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp, type TestOrg } from '../helpers/index.js';
import { expectOrgIsolation } from './isolation-helpers.js';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

describe('/api/v1/campaigns and leads', () => {
  let t: TestApp;
  let a: TestOrg;
  let b: TestOrg;
  let agentA: string;
  let agentB: string;
  let numberA: string;
  let numberB: string;

  const call = (org: TestOrg, method: Method, url: string, payload?: object) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers: t.auth(org.apiKey), payload });
  const create = async (body: object = {}) => {
    const res = await call(a, 'POST', '/campaigns', { name: 'Spring outreach', agent_id: agentA, ...body });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().campaign as { id: string; status: string; total_leads: number };
  };
  const setLeadStatus = (leadId: string, status: string) => t.db.query('UPDATE leads SET status = $2 WHERE id = $1', [leadId, status]);

  beforeAll(async () => {
    t = await buildTestApp();
    a = await t.createOrg();
    b = await t.createOrg();
    const agent = (orgId: string) => t.db.query<{ id: string }>("INSERT INTO agents (org_id, name) VALUES ($1, 'Caller') RETURNING id", [orgId]);
    agentA = (await agent(a.org.id)).rows[0].id;
    agentB = (await agent(b.org.id)).rows[0].id;
    const number = (orgId: string, phone: string) =>
      t.db.query<{ id: string }>('INSERT INTO numbers (org_id, phone_number) VALUES ($1, $2) RETURNING id', [orgId, phone]);
    numberA = (await number(a.org.id, '+31850002000')).rows[0].id;
    numberB = (await number(b.org.id, '+31850002001')).rows[0].id;
  });
  afterAll(() => t.close());

  it('creates a draft campaign with the documented defaults and the A.5 dialing fields', async () => {
    const res = await call(a, 'POST', '/campaigns', { name: 'Defaults', assistant_id: agentA });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({
      campaign: {
        id: expect.any(String),
        name: 'Defaults',
        status: 'draft',
        agent_id: agentA,
        number_id: null,
        system_message_template: null,
        schedule_start_time: '09:00:00',
        schedule_end_time: '17:00:00',
        timezone: 'Europe/Amsterdam',
        schedule_days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
        max_concurrent_calls: 2,
        max_attempts: 3,
        retry_delay_minutes: 60,
        retry_delays_minutes: null,
        paused_reason: null,
        total_leads: 0,
        completed_leads: 0,
        failed_leads: 0,
        calling_leads: 0,
        pending_leads: 0,
        skipped_leads: 0,
        created_at: expect.any(String),
        updated_at: expect.any(String),
      },
    });
  });

  it('takes every field, normalising times, zone and days, and inline leads in order', async () => {
    const res = await call(a, 'POST', '/campaigns', {
      name: 'Full',
      agent_id: agentA,
      number_id: numberA,
      system_message_template: 'You call {{name}} from {{company}}.',
      schedule_start_time: '8:30',
      schedule_end_time: '18:00:00',
      timezone: 'america/new_york',
      schedule_days: ['Friday', 'mon', 'MON', 'wed'],
      max_concurrent_calls: 5,
      max_attempts: 1,
      retry_delay_minutes: 0,
      status: 'scheduled',
      leads: [
        { phone_number: '+31 6 1234 5678', variables: { name: 'John', company: 'Acme Corp', age: 42, vip: true } },
        { number: '0031612345679' },
      ],
    });
    expect(res.statusCode).toBe(201);
    const campaign = res.json().campaign;
    expect(campaign).toMatchObject({
      status: 'scheduled',
      number_id: numberA,
      schedule_start_time: '08:30:00',
      schedule_end_time: '18:00:00',
      timezone: 'America/New_York',
      schedule_days: ['mon', 'wed', 'fri'],
      max_concurrent_calls: 5,
      max_attempts: 1,
      retry_delay_minutes: 0,
      total_leads: 2,
    });
    const leads = (await call(a, 'GET', `/campaigns/${campaign.id}/leads`)).json().leads;
    expect(leads).toEqual([
      {
        id: expect.any(String),
        campaign_id: campaign.id,
        phone_number: '+31612345678',
        variables: { name: 'John', company: 'Acme Corp', age: '42', vip: 'true' },
        status: 'pending',
        call_id: null,
        attempts: 0,
        last_attempt_at: null,
        next_attempt_at: null,
        last_result: null,
        last_error: null,
        created_at: expect.any(String),
        updated_at: expect.any(String),
      },
      expect.objectContaining({ phone_number: '+31612345679', variables: {} }),
    ]);
  });

  it('refuses bad input with the field named', async () => {
    const cases: [object, string, string][] = [
      [{ agent_id: undefined }, 'missing_field', 'agent_id'],
      [{ name: undefined }, 'missing_field', 'name'],
      [{ timezone: 'Mars/Olympus' }, 'invalid_request', 'timezone'],
      [{ timezone: '../etc' }, 'invalid_request', 'timezone'],
      [{ schedule_start_time: '25:00' }, 'invalid_request', 'schedule_start_time'],
      [{ schedule_end_time: '9am' }, 'invalid_request', 'schedule_end_time'],
      [{ schedule_start_time: '18:00', schedule_end_time: '09:00' }, 'invalid_request', 'schedule_end_time'],
      [{ schedule_days: ['mon', 'someday'] }, 'invalid_request', 'schedule_days[1]'],
      [{ schedule_days: [] }, 'invalid_request', 'schedule_days'],
      [{ max_concurrent_calls: 0 }, 'invalid_request', 'max_concurrent_calls'],
      [{ max_attempts: 11 }, 'invalid_request', 'max_attempts'],
      [{ retry_delay_minutes: -1 }, 'invalid_request', 'retry_delay_minutes'],
      [{ status: 'paused' }, 'invalid_request', 'status'],
      [{ status: 'completed' }, 'invalid_request', 'status'],
      [{ leads: [{ phone_number: '+31612345678' }, { phone_number: 'nope' }] }, 'invalid_phone_number', 'leads[1].phone_number'],
      [{ leads: [{ variables: { a: 'b' } }] }, 'missing_field', 'leads[0].phone_number'],
      [{ leads: [{ phone_number: '+31612345678', variables: { nested: { x: 1 } } }] }, 'invalid_request', 'leads[0].variables.nested'],
    ];
    const before = (await call(a, 'GET', '/campaigns')).json().campaigns.length;
    for (const [body, error, param] of cases) {
      const res = await call(a, 'POST', '/campaigns', { name: 'Bad', agent_id: agentA, ...body });
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json(), JSON.stringify(body)).toMatchObject({ error, param });
    }
    const tooMany = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));
    const res = await call(a, 'POST', '/campaigns', { name: 'Bad', agent_id: agentA, leads: [{ phone_number: '+31612345678', variables: tooMany }] });
    expect(res.statusCode).toBe(400);
    expect((await call(a, 'GET', '/campaigns')).json().campaigns.length).toBe(before); // nothing half-created
  });

  it('agent_id and number_id must be the caller’s own (404 otherwise)', async () => {
    const cases: [object, string][] = [
      [{ agent_id: agentB }, 'agent_id'],
      [{ assistant_id: agentB }, 'assistant_id'],
      [{ agent_id: agentA, number_id: numberB }, 'number_id'],
    ];
    for (const [body, param] of cases) {
      const res = await call(a, 'POST', '/campaigns', { name: 'X', ...body });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({ error: 'not_found', param });
    }
    const campaign = await create();
    expect((await call(a, 'PATCH', `/campaigns/${campaign.id}`, { agent_id: agentB })).statusCode).toBe(404);
    expect((await call(a, 'PATCH', `/campaigns/${campaign.id}`, { number_id: numberB })).statusCode).toBe(404);
  });

  it('status rules: settable draft/scheduled/paused/cancelled; completed only by the platform; completed and cancelled are final', async () => {
    const c = await create();
    for (const status of ['scheduled', 'paused', 'scheduled', 'draft']) {
      const res = await call(a, 'PATCH', `/campaigns/${c.id}`, { status });
      expect(res.statusCode, status).toBe(200);
      expect(res.json().campaign.status).toBe(status);
    }
    const completed = await call(a, 'PATCH', `/campaigns/${c.id}`, { status: 'completed' });
    expect(completed.statusCode).toBe(400);
    expect(completed.json()).toMatchObject({ error: 'invalid_request', param: 'status' });

    const cancelled = await call(a, 'PATCH', `/campaigns/${c.id}`, { status: 'cancelled' });
    expect(cancelled.json().campaign.status).toBe('cancelled');
    for (const [method, url, body] of [
      ['PATCH', `/campaigns/${c.id}`, { status: 'scheduled' }],
      ['PATCH', `/campaigns/${c.id}`, { name: 'Renamed' }],
      ['POST', `/campaigns/${c.id}/leads`, { phone_number: '+31612340000' }],
    ] as const) {
      const res = await call(a, method, url, body);
      expect(res.statusCode, `${method} ${JSON.stringify(body)}`).toBe(409);
      expect(res.json().error).toBe('conflict');
    }
    const done = await create({ leads: [{ phone_number: '+31612340001' }] });
    await t.db.query("UPDATE campaigns SET status = 'completed' WHERE id = $1", [done.id]);
    const lead = (await call(a, 'GET', `/campaigns/${done.id}/leads`)).json().leads[0];
    expect((await call(a, 'PATCH', `/campaigns/${done.id}`, { status: 'paused' })).statusCode).toBe(409);
    expect((await call(a, 'DELETE', `/campaigns/${done.id}/leads/${lead.id}`)).statusCode).toBe(409);
    expect((await call(a, 'DELETE', `/campaigns/${done.id}`)).json()).toEqual({ success: true });
  });

  it('PATCH changes only what is sent and keeps the window valid against stored times', async () => {
    const c = await create({ schedule_start_time: '10:00', schedule_end_time: '12:00' });
    const res = await call(a, 'PATCH', `/campaigns/${c.id}`, { name: 'Renamed', max_attempts: 5, system_message_template: 'Hi {{name}}' });
    expect(res.json().campaign).toMatchObject({ name: 'Renamed', max_attempts: 5, schedule_start_time: '10:00:00', agent_id: agentA });
    const bad = await call(a, 'PATCH', `/campaigns/${c.id}`, { schedule_start_time: '13:00' });
    expect(bad.json()).toMatchObject({ error: 'invalid_request', param: 'schedule_end_time' });
    const cleared = await call(a, 'PATCH', `/campaigns/${c.id}`, { system_message_template: null, number_id: numberA });
    expect(cleared.json().campaign).toMatchObject({ system_message_template: null, number_id: numberA });
    expect((await call(a, 'PATCH', `/campaigns/${c.id}`, {})).statusCode).toBe(200);
  });

  it('a campaign whose agent was deleted cannot be scheduled until it gets one', async () => {
    const { rows } = await t.db.query<{ id: string }>("INSERT INTO agents (org_id, name) VALUES ($1, 'Temp') RETURNING id", [a.org.id]);
    const c = await create({ agent_id: rows[0].id });
    await t.db.query('DELETE FROM agents WHERE id = $1', [rows[0].id]);
    expect((await call(a, 'GET', `/campaigns/${c.id}`)).json().campaign.agent_id).toBeNull();
    const res = await call(a, 'PATCH', `/campaigns/${c.id}`, { status: 'scheduled' });
    expect(res.json()).toMatchObject({ error: 'invalid_request', param: 'agent_id' });
    expect((await call(a, 'PATCH', `/campaigns/${c.id}`, { status: 'scheduled', agent_id: agentA })).json().campaign.status).toBe('scheduled');
  });

  it('leads: add one (201 `lead`) or many (`leads`), listed oldest first; counters follow their status', async () => {
    const c = await create();
    const one = await call(a, 'POST', `/campaigns/${c.id}/leads`, { phone_number: '+31 6 0000 0001', variables: { name: 'Ann' } });
    expect(one.statusCode).toBe(201);
    expect(Object.keys(one.json())).toEqual(['lead']);
    expect(one.json().lead).toMatchObject({ campaign_id: c.id, phone_number: '+31600000001', variables: { name: 'Ann' }, status: 'pending' });
    const phones = Array.from({ length: 30 }, (_, i) => `+316100000${String(i).padStart(2, '0')}`);
    const many = await call(a, 'POST', `/campaigns/${c.id}/leads`, { leads: phones.map((phone_number) => ({ phone_number })) });
    expect(many.statusCode).toBe(201);
    expect(many.json().leads.map((l: { phone_number: string }) => l.phone_number)).toEqual(phones);
    const listed = (await call(a, 'GET', `/campaigns/${c.id}/leads`)).json().leads as { id: string; phone_number: string }[];
    expect(listed.map((l) => l.phone_number)).toEqual(['+31600000001', ...phones]);

    await setLeadStatus(listed[0].id, 'completed');
    await setLeadStatus(listed[1].id, 'completed');
    await setLeadStatus(listed[2].id, 'failed');
    await setLeadStatus(listed[3].id, 'calling');
    expect((await call(a, 'GET', `/campaigns/${c.id}`)).json().campaign).toMatchObject({ total_leads: 31, completed_leads: 2, failed_leads: 1 });
    const inList = (await call(a, 'GET', '/campaigns')).json().campaigns.find((x: { id: string }) => x.id === c.id);
    expect(inList).toMatchObject({ total_leads: 31, completed_leads: 2, failed_leads: 1 });

    const busy = await call(a, 'DELETE', `/campaigns/${c.id}/leads/${listed[3].id}`);
    expect(busy.statusCode).toBe(409);
    expect(busy.json().error).toBe('conflict');
    expect((await call(a, 'DELETE', `/campaigns/${c.id}/leads/${listed[4].id}`)).json()).toEqual({ success: true });
    expect((await call(a, 'DELETE', `/campaigns/${c.id}/leads/${listed[4].id}`)).statusCode).toBe(404);
    expect((await call(a, 'GET', `/campaigns/${c.id}`)).json().campaign.total_leads).toBe(30);
  });

  it('leads: the SDK’s name is kept, and the list pages with limit/offset (all leads without them)', async () => {
    const campaign = await create({ leads: [{ phone_number: '+31612340001', name: 'Ann', variables: { company: 'Acme' } }, { phone_number: '+31612340002' }] });
    const one = await call(a, 'POST', `/campaigns/${campaign.id}/leads`, { phone_number: '+31612340003', name: 'Cor' });
    expect(one.json().lead).toMatchObject({ phone_number: '+31612340003', name: 'Cor', variables: {} });
    const all = (await call(a, 'GET', `/campaigns/${campaign.id}/leads`)).json();
    expect(all.leads.map((l: { name?: string }) => l.name)).toEqual(['Ann', undefined, 'Cor']);
    expect(all.leads[1]).not.toHaveProperty('name');
    expect(all.pagination).toEqual({ total: 3, limit: 3, offset: 0 });
    const page = (await call(a, 'GET', `/campaigns/${campaign.id}/leads?limit=2&offset=1`)).json();
    expect(page.leads.map((l: { phone_number: string }) => l.phone_number)).toEqual(['+31612340002', '+31612340003']);
    expect(page.pagination).toEqual({ total: 3, limit: 2, offset: 1 });
    expect((await call(a, 'GET', `/campaigns/${campaign.id}/leads?page=2`)).json()).toMatchObject({ error: 'invalid_request', param: 'page' });
    const both = await call(a, 'POST', `/campaigns/${campaign.id}/leads`, { phone_number: '+31612340004', number: '+31612340005' });
    expect(both.json()).toMatchObject({ error: 'invalid_request', param: 'number' });
  });

  it('lead input errors', async () => {
    const c = await create();
    const cases: [object, string, string][] = [
      [{}, 'missing_field', 'phone_number'],
      [{ phone_number: '12345' }, 'invalid_phone_number', 'phone_number'],
      [{ phone_number: '+31612345678', leads: [{ phone_number: '+31612345679' }] }, 'invalid_request', 'leads'],
      [{ leads: [] }, 'invalid_request', 'leads'],
      [{ leads: [{ phone_number: '+31612345678' }, { phone_number: 'x' }] }, 'invalid_phone_number', 'leads[1].phone_number'],
      [{ phone_number: '+31612345678', variables: { note: 'x'.repeat(1001) } }, 'invalid_request', 'variables.note'],
    ];
    for (const [body, error, param] of cases) {
      const res = await call(a, 'POST', `/campaigns/${c.id}/leads`, body);
      expect(res.statusCode, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(res.json()).toMatchObject({ error, param });
    }
    expect((await call(a, 'GET', `/campaigns/${c.id}/leads`)).json().leads).toEqual([]);
  });

  it('lists under `campaigns` (oldest first), gets, deletes with its leads', async () => {
    const list = (await call(b, 'GET', '/campaigns')).json();
    expect(list).toEqual({ campaigns: [] });
    const c = await create({ leads: [{ phone_number: '+31612349999' }] });
    const all = (await call(a, 'GET', '/campaigns')).json().campaigns as { id: string }[];
    expect(all.at(-1)?.id).toBe(c.id);
    expect((await call(a, 'GET', `/campaigns/${c.id}`)).json().campaign.id).toBe(c.id);
    expect((await call(a, 'DELETE', `/campaigns/${c.id}`)).json()).toEqual({ success: true });
    expect((await call(a, 'GET', `/campaigns/${c.id}`)).statusCode).toBe(404);
    expect((await call(a, 'GET', `/campaigns/${c.id}/leads`)).statusCode).toBe(404);
    expect((await t.db.query('SELECT 1 FROM leads WHERE campaign_id = $1', [c.id])).rowCount).toBe(0);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/campaigns' })).statusCode).toBe(401);
  });

  it('isolation: another organization gets 404 for this org’s campaigns, their leads and its agent/number ids', async () => {
    const c = await create({ number_id: numberA, leads: [{ phone_number: '+31612348888' }] });
    const lead = (await call(a, 'GET', `/campaigns/${c.id}/leads`)).json().leads[0];
    await expectOrgIsolation(t.app, {
      ownerKey: a.apiKey,
      otherKey: b.apiKey,
      id: c.id,
      routes: [
        { method: 'GET', url: (x) => `/api/v1/campaigns/${x}` },
        { method: 'PATCH', url: (x) => `/api/v1/campaigns/${x}`, body: { name: 'stolen', status: 'cancelled' } },
        { method: 'GET', url: (x) => `/api/v1/campaigns/${x}/leads` },
        { method: 'POST', url: (x) => `/api/v1/campaigns/${x}/leads`, body: { phone_number: '+31612347777' } },
        { method: 'DELETE', url: (x) => `/api/v1/campaigns/${x}/leads/${lead.id}` },
        { method: 'DELETE', url: (x) => `/api/v1/campaigns/${x}` },
      ],
    });
    const own = (await call(b, 'POST', '/campaigns', { name: 'B', agent_id: agentB })).json().campaign;
    // A lead id of org A under org B's own campaign is not found either.
    expect((await call(b, 'DELETE', `/campaigns/${own.id}/leads/${lead.id}`)).statusCode).toBe(404);
    for (const body of [{ agent_id: agentA }, { number_id: numberA }]) {
      expect((await call(b, 'PATCH', `/campaigns/${own.id}`, body)).statusCode).toBe(404);
      expect((await call(b, 'POST', '/campaigns', { name: 'B2', agent_id: agentB, ...body })).statusCode).toBe(404);
    }
    expect((await call(a, 'GET', `/campaigns/${c.id}`)).json().campaign).toMatchObject({ name: 'Spring outreach', status: 'draft', total_leads: 1 });
  });
});
