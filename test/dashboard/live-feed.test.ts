/**
 * The dashboard's live feed and its keys, over real sockets with a real call: a call placed by
 * a phone shows up on its organization's feed (status, agent, numbers, who is talking) and ends
 * there, on this node's API and on an API-only node that shares only PostgreSQL and Redis; other
 * organizations never see it; the admin key sees every organization, or one it names.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganization } from '../../src/api/admin/service.js';
import { buildApp } from '../../src/api/app.js';
import { mulawSilence, mulawSpeech } from '../fakes/audio.js';
import { TEST_ADMIN_KEY } from '../helpers/index.js';
import { startTestEngine, type TestEngine } from '../call/engine.js';
import { eventually, latestCall, voiced, waitForQuiet } from '../call/helpers.js';
import { TestPhone } from '../call/phone.js';
import { callEvent, LiveStream } from './live-stream.js';

const NUMBER = '+31850835100';
const CALLER = '+31612340001';

describe('dashboard live feed', () => {
  let engine: TestEngine;
  let phone: TestPhone;
  let base: string;
  let apiOnly: FastifyInstance;
  let apiOnlyBase: string;
  let other: { id: string; key: string };
  const streams: LiveStream[] = [];
  const open = async (url: string, key: string, org?: string) => {
    const stream = await LiveStream.open(url, key, org);
    streams.push(stream);
    return stream;
  };

  beforeAll(async () => {
    engine = await startTestEngine({ realtime: { responseAudioMs: 1500 } });
    await engine.agentWithNumber(NUMBER);
    base = await engine.api.listen({ host: '127.0.0.1', port: 0 });
    // A second node's API: no telephony of its own, the same database and Redis.
    apiOnly = await buildApp({ config: engine.node.config, db: engine.database.db, redis: engine.node.redis, dashboard: { pollMs: 500 } });
    apiOnlyBase = await apiOnly.listen({ host: '127.0.0.1', port: 0 });
    const created = await createOrganization(engine.database.db, { name: 'Another org' });
    other = { id: created.organization.id, key: created.api_key };
    phone = await TestPhone.start();
  });
  afterAll(async () => {
    for (const s of streams) s.close();
    await phone?.close();
    await apiOnly?.close();
    await engine?.close();
  });

  it('shows a call to its organization as it rings, talks and ends, on any node; never to another organization', async () => {
    const mine = await open(base, engine.apiKey);
    const mineElsewhere = await open(apiOnlyBase, engine.apiKey);
    const theirs = await open(base, other.key);
    const admin = await open(apiOnlyBase, TEST_ADMIN_KEY);
    const adminOther = await open(base, TEST_ADMIN_KEY, other.id);

    await phone.dial(`${NUMBER}@127.0.0.1:${engine.sipPort}`, CALLER);
    const callId = (await latestCall(engine))!.id;
    const live = await mine.waitFor(callEvent(callId, 'in-progress'), 5_000, 'the call in progress');
    expect(live.type === 'call' && live.call).toMatchObject({
      org_id: engine.orgId,
      direction: 'inbound',
      agent_name: 'Front desk',
      caller_phone: CALLER,
      assistant_phone: NUMBER,
      ended_at: null,
    });
    expect(live.type === 'call' && live.call.started_at).not.toBeNull();

    // Who is talking: the greeting, then the caller.
    await mine.waitFor((e) => e.type === 'speech' && e.call_id === callId && e.speaking.assistant, 5_000, 'the agent speaking');
    await eventually(() => voiced(phone.heard).length > 10, 5_000, 'the greeting');
    await waitForQuiet(phone, 300);
    await mine.waitFor((e) => e.type === 'speech' && e.call_id === callId && !e.speaking.assistant, 5_000, 'the agent done');
    phone.say(mulawSpeech(800));
    phone.say(mulawSilence(600), false);
    await mine.waitFor((e) => e.type === 'speech' && e.call_id === callId && e.speaking.user, 5_000, 'the caller speaking');

    await waitForQuiet(phone, 300);
    await phone.hangup();
    const ended = await mine.waitFor(callEvent(callId, 'ended'), 10_000, 'the call to end');
    expect(ended.type === 'call' && ended.call).toMatchObject({ end_reason: 'customer-hangup', speaking: { user: false, assistant: false } });
    expect(ended.type === 'call' && ended.call.duration_seconds).toBeGreaterThanOrEqual(1);

    // The API-only node relays the same through Redis, and the admin's all-organization feed too.
    await mineElsewhere.waitFor(callEvent(callId, 'in-progress'), 5_000, 'the other node: in progress');
    await mineElsewhere.waitFor(callEvent(callId, 'ended'), 5_000, 'the other node: ended');
    await mineElsewhere.waitFor((e) => e.type === 'speech' && e.call_id === callId, 5_000, 'the other node: speech');
    const adminSaw = await admin.waitFor(callEvent(callId, 'ended'), 5_000, 'the admin feed');
    expect(adminSaw.type === 'call' && adminSaw.call.org_name).toBe('Call test org');

    // Another organization, and the admin narrowed to it, saw nothing of this call.
    await new Promise((r) => setTimeout(r, 1_200)); // more than two polls of the API-only node
    expect(theirs.about(callId)).toEqual([]);
    expect(adminOther.about(callId)).toEqual([]);
  }, 60_000);

  it('a snapshot lists the calls live when the page connects; a change without a signal shows within a poll', async () => {
    await phone.dial(`${NUMBER}@127.0.0.1:${engine.sipPort}`, CALLER);
    const callId = (await latestCall(engine))!.id;
    await eventually(async () => (await latestCall(engine))!.status === 'in-progress', 5_000, 'the call answered');
    const late = await open(apiOnlyBase, engine.apiKey);
    const snapshot = late.events[0];
    expect(snapshot.type === 'snapshot' && snapshot.calls.map((c) => c.id)).toEqual([callId]);
    const theirs = await open(apiOnlyBase, other.key);
    expect(theirs.events[0]).toEqual({ type: 'snapshot', calls: [] });
    // A change no signal announced (here written behind the owner's back) shows within a poll.
    await engine.database.db.query(`UPDATE calls SET status = 'forwarding' WHERE id = $1`, [callId]);
    await late.waitFor(callEvent(callId, 'forwarding'), 3_000, 'the polled status');
    await phone.hangup();
    await late.waitFor(callEvent(callId, 'ended'), 10_000, 'the call to end');
  }, 30_000);

  it('takes an organization key or the admin key, and nothing else', async () => {
    const session = async (key: string) => {
      const res = await fetch(`${base}/dashboard/api/session`, { headers: { authorization: `Bearer ${key}` } });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    expect(await session(engine.apiKey)).toEqual({ status: 200, body: { admin: false, organizations: [{ id: engine.orgId, name: 'Call test org' }] } });
    const admin = await session(TEST_ADMIN_KEY);
    expect(admin.body.admin).toBe(true);
    expect((admin.body.organizations as Array<{ id: string }>).map((o) => o.id).sort()).toEqual([engine.orgId, other.id].sort());
    expect((await session('vg_live_not-a-key')).status).toBe(401);
    expect((await fetch(`${base}/dashboard/api/live`)).status).toBe(401);
    // A key names no other organization's feed: ?org is the admin's alone.
    const own = await open(base, other.key, engine.orgId);
    expect(own.events[0]).toEqual({ type: 'snapshot', calls: [] });
    expect((await fetch(`${base}/dashboard/api/live?org=00000000-0000-4000-8000-000000000000`, { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } })).status).toBe(404);
  });

  it('the admin key acts as the organization it names in X-Voxgate-Org on /api/v1', async () => {
    const calls = async (key: string, org?: string) => {
      const res = await fetch(`${base}/api/v1/calls`, { headers: { authorization: `Bearer ${key}`, ...(org && { 'x-voxgate-org': org }) } });
      return { status: res.status, total: res.ok ? ((await res.json()) as { pagination: { total: number } }).pagination.total : null };
    };
    expect(await calls(TEST_ADMIN_KEY, engine.orgId)).toEqual({ status: 200, total: 2 });
    expect(await calls(TEST_ADMIN_KEY, other.id)).toEqual({ status: 200, total: 0 });
    expect((await calls(TEST_ADMIN_KEY)).status).toBe(401);
    expect((await calls(TEST_ADMIN_KEY, 'not-a-uuid')).status).toBe(404);
    expect((await calls(TEST_ADMIN_KEY, '00000000-0000-4000-8000-000000000000')).status).toBe(404);
    // An organization's key stays its own organization whatever the header says.
    expect(await calls(other.key, engine.orgId)).toEqual({ status: 200, total: 0 });
  });
});
