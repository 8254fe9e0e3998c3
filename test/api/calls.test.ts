import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp, type TestOrg } from '../helpers/index.js';
import { expectOrgIsolation } from './isolation-helpers.js';

interface CallInsert {
  status?: string;
  direction?: string;
  created_at?: string;
  agent_id?: string | null;
  [key: string]: unknown;
}

describe('/api/v1/calls', () => {
  let t: TestApp;
  let a: TestOrg;
  let b: TestOrg;
  let agentA: string;
  let agentA2: string;
  let numberA: string;
  let fullCall: string;

  const call = (org: TestOrg, url: string) => t.app.inject({ method: 'GET', url: `/api/v1${url}`, headers: t.auth(org.apiKey) });
  const insertCall = async (orgId: string, row: CallInsert = {}) => {
    const fields = { direction: 'inbound', status: 'ended', ...row };
    const cols = Object.keys(fields);
    const { rows } = await t.db.query<{ id: string }>(
      `INSERT INTO calls (org_id, ${cols.join(', ')}) VALUES ($1, ${cols.map((_, i) => `$${i + 2}`).join(', ')}) RETURNING id`,
      [orgId, ...Object.values(fields)],
    );
    return rows[0].id;
  };

  beforeAll(async () => {
    t = await buildTestApp();
    a = await t.createOrg();
    b = await t.createOrg();
    const agent = async (orgId: string, name: string) =>
      (await t.db.query<{ id: string }>('INSERT INTO agents (org_id, name) VALUES ($1, $2) RETURNING id', [orgId, name])).rows[0].id;
    agentA = await agent(a.org.id, 'Reception');
    agentA2 = await agent(a.org.id, 'Sales');
    numberA = (await t.db.query<{ id: string }>("INSERT INTO numbers (org_id, phone_number) VALUES ($1, '+31850003000') RETURNING id", [a.org.id]))
      .rows[0].id;

    // 25 calls over 25 days in December 2025, alternating statuses, agents and directions.
    const statuses = ['ended', 'failed', 'in-progress', 'ended-with-error', 'rejected'];
    for (let i = 0; i < 25; i++) {
      await insertCall(a.org.id, {
        status: statuses[i % statuses.length],
        direction: i % 2 === 0 ? 'inbound' : 'outbound',
        agent_id: i % 3 === 0 ? agentA2 : agentA,
        created_at: `2025-12-${String(i + 1).padStart(2, '0')}T12:00:00.000Z`,
      });
    }
    fullCall = await insertCall(a.org.id, {
      status: 'ended',
      end_reason: 'customer-hangup',
      agent_id: agentA,
      number_id: numberA,
      agent_name: 'Reception',
      business_name: 'Acme BV',
      caller_phone: '+31612345678',
      assistant_phone: '+31850003000',
      room_name: 'call-room-1',
      started_at: '2026-01-05T10:00:05.000Z',
      ended_at: '2026-01-05T10:01:29.000Z',
      duration_seconds: 84,
      summary: 'Caller booked an appointment.',
      analysis_result: JSON.stringify({ summary: 'booked', sentiment: 8 }),
      metadata: JSON.stringify({ crm_id: 'c-42' }),
      recording_path: 'recordings/full.wav',
      created_at: '2026-01-05T10:00:00.000Z',
    });
    const turns = [
      ['assistant', 'Hello, Acme, how can I help?'],
      ['user', 'I would like an appointment.'],
      ['assistant', 'Tuesday at ten works.'],
    ];
    // Inserted out of order: the API must order by seq.
    for (const seq of [2, 0, 1]) {
      await t.db.query('INSERT INTO call_messages (org_id, call_id, seq, role, content) VALUES ($1, $2, $3, $4, $5)', [
        a.org.id,
        fullCall,
        seq,
        turns[seq][0],
        turns[seq][1],
      ]);
    }
    await mkdir(join(t.config.dataDir, 'recordings'), { recursive: true });
    await writeFile(join(t.config.dataDir, 'recordings', 'full.wav'), Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(2000, 7)]));
    await insertCall(b.org.id, { created_at: '2025-12-10T12:00:00.000Z' });
  });
  afterAll(() => t.close());

  it('lists newest first with pagination (default limit 100)', async () => {
    const res = await call(a, '/calls');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(Object.keys(body)).toEqual(['calls', 'pagination']);
    expect(body.pagination).toEqual({ total: 26, limit: 100, offset: 0 });
    expect(body.calls).toHaveLength(26);
    expect(body.calls[0].id).toBe(fullCall);
    const created = body.calls.map((c: { created_at: string }) => c.created_at);
    expect([...created].sort().reverse()).toEqual(created);
    expect(body.calls[1].created_at).toBe('2025-12-25T12:00:00.000Z');
  });

  it('pages with limit and offset; total stays the full count', async () => {
    const page = (await call(a, '/calls?limit=10&offset=20')).json();
    expect(page.pagination).toEqual({ total: 26, limit: 10, offset: 20 });
    expect(page.calls).toHaveLength(6);
    expect(page.calls.at(-1).created_at).toBe('2025-12-01T12:00:00.000Z');
    for (const q of ['limit=0', 'limit=1001', 'offset=-1', 'limit=abc']) {
      const res = await call(a, `/calls?${q}`);
      expect(res.statusCode, q).toBe(400);
      expect(res.json().error).toBe('invalid_request');
    }
  });

  it('filters by status (one or a list), dates, agent and direction', async () => {
    const ids = async (q: string) => {
      const res = await call(a, `/calls?${q}`);
      expect(res.statusCode, q).toBe(200);
      return res.json() as { calls: { status: string; created_at: string; agent_id: string; direction: string }[]; pagination: { total: number } };
    };
    const ended = await ids('status=ended');
    expect(ended.pagination.total).toBe(6);
    expect(ended.calls.every((c) => c.status === 'ended')).toBe(true);
    expect((await ids('status=failed,rejected')).pagination.total).toBe(10);
    const range = await ids('start_date=2025-12-10&end_date=2025-12-12');
    expect(range.calls.map((c) => c.created_at)).toEqual(['2025-12-12T12:00:00.000Z', '2025-12-11T12:00:00.000Z', '2025-12-10T12:00:00.000Z']);
    expect((await ids('start_date=2025-12-10T12:00:00Z&end_date=2025-12-11T12:00:00.000Z')).pagination.total).toBe(2);
    expect((await ids('start_date=2026-01-01')).pagination.total).toBe(1);
    const sales = await ids(`agent_id=${agentA2}`);
    expect(sales.pagination.total).toBe(9);
    expect(sales.calls.every((c) => c.agent_id === agentA2)).toBe(true);
    expect((await ids(`assistant_id=${agentA2}`)).pagination.total).toBe(9);
    const outbound = await ids('direction=outbound&status=ended');
    expect(outbound.calls.every((c) => c.direction === 'outbound' && c.status === 'ended')).toBe(true);
    expect(outbound.pagination.total).toBe(2);
    for (const q of ['status=done', 'start_date=yesterday', 'end_date=2025-13-01', 'direction=sideways', 'agent_id=nope', 'start_date=2025-12-10&end_date=2025-12-01']) {
      const res = await call(a, `/calls?${q}`);
      expect(res.statusCode, q).toBe(400);
      expect(res.json().error).toBe('invalid_request');
    }
  });

  it('list items carry the call fields; GET by id returns the bare call with messages and analysis', async () => {
    const listed = (await call(a, '/calls?limit=1')).json().calls[0];
    const res = await call(a, `/calls/${fullCall}`);
    expect(res.statusCode).toBe(200);
    const got = res.json();
    // Absolute, from the Host the client used (inject sends localhost:80).
    const recordingUrl = `http://localhost:80/api/v1/calls/${fullCall}/recording`;
    expect(listed).toEqual({
      id: fullCall,
      direction: 'inbound',
      status: 'ended',
      end_reason: 'customer-hangup',
      error: null,
      caller_phone: '+31612345678',
      assistant_phone: '+31850003000',
      agent_id: agentA,
      agent_name: 'Reception',
      business_name: 'Acme BV',
      number_id: numberA,
      campaign_id: null,
      lead_id: null,
      room_name: 'call-room-1',
      started_at: '2026-01-05T10:00:05.000Z',
      ended_at: '2026-01-05T10:01:29.000Z',
      duration_seconds: 84,
      summary: 'Caller booked an appointment.',
      analysis_result: { summary: 'booked', sentiment: 8 },
      analysis_error: null,
      recording_url: recordingUrl,
      sip_status: null,
      metadata: { crm_id: 'c-42' },
      created_at: '2026-01-05T10:00:00.000Z',
      updated_at: expect.any(String),
    });
    expect(got).toEqual({
      ...listed,
      phone_number: '+31850003000',
      messages: [
        { role: 'assistant', content: 'Hello, Acme, how can I help?', interrupted: false, started_at: null, ended_at: null },
        { role: 'user', content: 'I would like an appointment.', interrupted: false, started_at: null, ended_at: null },
        { role: 'assistant', content: 'Tuesday at ten works.', interrupted: false, started_at: null, ended_at: null },
      ],
      analysis_result: { summary: 'booked', sentiment: 8 },
      latency: null,
    });
    const bare = (await call(a, '/calls?status=failed&limit=1')).json().calls[0];
    expect(bare).toMatchObject({ recording_url: null, caller_phone: null, duration_seconds: null });
    expect((await call(a, `/calls/${bare.id}`)).json()).toMatchObject({ messages: [], analysis_result: null, metadata: {}, phone_number: null });
  });

  it('serves the recording as audio/wav with the key; 404 when there is none', async () => {
    const res = await call(a, `/calls/${fullCall}/recording`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('audio/wav');
    expect(res.headers['content-length']).toBe('2004');
    expect(res.rawPayload.subarray(0, 4).toString()).toBe('RIFF');
    expect(res.rawPayload.length).toBe(2004);
    const none = (await call(a, '/calls?status=failed&limit=1')).json().calls[0].id;
    expect((await call(a, `/calls/${none}/recording`)).json()).toMatchObject({ error: 'not_found', message: 'recording not found' });
    await t.db.query("UPDATE calls SET recording_path = 'recordings/missing.wav' WHERE id = $1", [none]);
    expect((await call(a, `/calls/${none}/recording`)).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/calls/${fullCall}/recording` })).statusCode).toBe(401);
  });

  it('answers 404 for unknown and malformed ids, 401 without a key', async () => {
    expect((await call(a, '/calls/00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    expect((await call(a, '/calls/call-_+31612345678_abc')).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/calls' })).statusCode).toBe(401);
  });

  it('isolation: another organization sees only its own calls and gets 404 for this org’s call and recording', async () => {
    const theirs = (await call(b, '/calls')).json();
    expect(theirs.pagination.total).toBe(1);
    expect((await call(b, `/calls?agent_id=${agentA}`)).json().pagination.total).toBe(0);
    await expectOrgIsolation(t.app, {
      ownerKey: a.apiKey,
      otherKey: b.apiKey,
      id: fullCall,
      routes: [
        { method: 'GET', url: (x) => `/api/v1/calls/${x}` },
        { method: 'GET', url: (x) => `/api/v1/calls/${x}/recording` },
      ],
    });
  });
});
