/**
 * An engine killed with SIGKILL while calls are live (issue #8, defects 1 and 2): when it comes
 * back it finalises the calls it owned — `ended-with-error`, `node-failure`, billed up to the
 * last heartbeat, both reports sent, concurrency slots free again — and the callers who keep
 * streaming RTP at its old ports never reach the new calls. A second engine finalises the calls
 * of a node that died and does not come back. A webhook the engine was sending when it died
 * is sent again, and the call's later events follow it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganization } from '../../src/api/admin/service.js';
import { isVoiced, mulawSpeech } from '../fakes/audio.js';
import { FakeRealtimeServer } from '../fakes/realtime-server.js';
import { FakeWebhookReceiver } from '../fakes/webhook-receiver.js';
import { createTestDatabase, testRedisPrefix, TEST_REDIS_URL, type TestDatabase } from '../helpers/index.js';
import { eventually } from '../events/fixtures.js';
import { TestPhone } from '../call/phone.js';
import { ChildEngine } from './child-engine.js';

const KEY = 'test-key';
const SECRET = 'whsec_crash_test';
const NUMBER = '+31850009000';

interface Row {
  id: string;
  status: string;
  end_reason: string | null;
  error: string | null;
  duration_seconds: number | null;
  started_at: Date | null;
  ended_at: Date | null;
}

describe('an engine killed with live calls', () => {
  let database: TestDatabase;
  let realtime: FakeRealtimeServer;
  let receiver: FakeWebhookReceiver;
  let apiKey: string;
  const engines: ChildEngine[] = [];
  const phones: TestPhone[] = [];
  const prefix = testRedisPrefix();
  // Two RTP pairs only: a new call must take a port an old caller may still be sending to.
  const rtpBase = 30_000 + 2 * Math.floor(Math.random() * 10_000);

  function engine(env: Record<string, string> = {}): ChildEngine {
    const child = new ChildEngine({
      dataDir: mkdtempSync(join(tmpdir(), 'voxgate-crash-')),
      env: {
        DATABASE_URL: database.url,
        REDIS_URL: TEST_REDIS_URL,
        VOXGATE_REDIS_PREFIX: prefix,
        XAI_BASE_URL: realtime.baseUrl,
        XAI_API_KEY: KEY,
        ORG_MAX_CONCURRENT_CALLS: '2',
        DRAIN_TIMEOUT_SECONDS: '2',
        ...env,
      },
    });
    engines.push(child);
    return child;
  }

  async function phone(): Promise<TestPhone> {
    const p = await TestPhone.start();
    phones.push(p);
    return p;
  }

  const api = (child: ChildEngine, method: string, path: string, body?: unknown) => child.api(apiKey, method, path, body);

  async function rows(): Promise<Row[]> {
    return (await database.db.query<Row>(`SELECT id, status, end_reason, error, duration_seconds, started_at, ended_at FROM calls ORDER BY created_at`)).rows;
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    realtime = await FakeRealtimeServer.start({ apiKey: KEY, responseAudioMs: 1000 });
    receiver = await FakeWebhookReceiver.start({ secret: SECRET });
    apiKey = (await createOrganization(database.db, { name: 'Crash test org', minutes_balance: null })).api_key;
  });
  afterAll(async () => {
    for (const p of phones) await p.close().catch(() => undefined);
    for (const e of engines) await e.stop();
    await receiver?.close();
    await realtime?.close();
    await database?.drop();
  });

  it('finalises its calls when it comes back: node-failure, billed, reported, slots free; old streams never reach new calls', async () => {
    const node = engine({ RTP_PORT_MIN: String(rtpBase), RTP_PORT_MAX: String(rtpBase + 3) });
    await node.start();
    const { agent } = (await api(node, 'POST', 'agents', {
      name: 'Desk',
      first_message: 'Hello, how can I help?',
      llm_config: { provider: 'xai_realtime', voice: 'ara' },
      webhook_url: receiver.urlFor('/hooks'),
      webhook_secret: SECRET,
    })) as { agent: { id: string } };
    await api(node, 'POST', 'numbers', { phone_number: NUMBER, agent_id: agent.id });

    const [first, second] = [await phone(), await phone()];
    for (const p of [first, second]) {
      await p.dial(`${NUMBER}@127.0.0.1:${node.sipPort}`, '+31612000111');
      await eventually(() => p.heard.some((h) => isVoiced(h.payload)), 8_000, 'the greeting');
    }
    await eventually(async () => (await rows()).filter((r) => r.status === 'in-progress').length === 2, 5_000, 'two calls in progress');
    // Let at least one heartbeat mark the calls alive.
    await node.waitForLog((l) => l.msg === 'node started');
    await new Promise((r) => setTimeout(r, 6_000));

    expect((await node.kill('SIGKILL')).signal).toBe('SIGKILL');
    const killedAt = performance.now();
    // The first caller keeps talking to its old port; the second one is gone.
    first.say(mulawSpeech(30_000));
    second.rtp.stop();

    await node.start();
    await eventually(async () => (await rows()).every((r) => r.ended_at !== null), 30_000, 'the orphaned calls to be finalised');
    const finalised = await rows();
    expect(finalised).toHaveLength(2);
    for (const row of finalised) {
      expect(row).toMatchObject({ status: 'ended-with-error', end_reason: 'node-failure' });
      expect(row.error).toMatch(/node handling the call stopped/);
      // Billed up to the last heartbeat that saw it alive (every 5 s), never beyond the kill.
      expect(row.duration_seconds).toBeGreaterThanOrEqual(1);
      expect(row.ended_at!.getTime()).toBeLessThanOrEqual(Date.now());
      const usage = await database.db.query(`SELECT minutes_used FROM usage_logs WHERE call_id = $1`, [row.id]);
      expect(usage.rows).toEqual([{ minutes_used: 1 }]);
      await eventually(() => receiver.requests.some((r) => r.event === 'end-of-call-report' && JSON.stringify(r.json).includes(row.id)), 30_000, 'the report');
      const final = receiver.requests.filter((r) => r.event === 'status-update' && JSON.stringify(r.json).includes(row.id)).at(-1);
      expect((final!.json as { message: { status: string; endReason: string } }).message).toMatchObject({ status: 'ended-with-error', endReason: 'node-failure' });
    }

    // The org's two slots are free again: a new call is answered at once (not 486), and it hears
    // its own agent while the first caller's stream (still arriving at an old port) reaches nobody.
    const third = await phone();
    await third.dial(`${NUMBER}@127.0.0.1:${node.sipPort}`, '+31612000333');
    await eventually(() => third.heard.some((h) => isVoiced(h.payload)), 8_000, "the new call's greeting");
    const fourth = await phone();
    await fourth.dial(`${NUMBER}@127.0.0.1:${node.sipPort}`, '+31612000444');
    expect(first.heard.filter((h) => h.at > killedAt)).toHaveLength(0);
    // What the new calls' model sessions heard is their callers' silence, never the first caller's speech.
    for (const session of realtime.connections.slice(-2)) expect(isVoiced(realtime.receivedAudio(session.id))).toBe(false);
    await third.hangup();
    await fourth.hangup();
  }, 120_000);

  it('a surviving engine finalises the calls of a node that died and did not come back', async () => {
    const doomed = engine();
    const survivor = engine();
    await doomed.start();
    await survivor.start();
    const caller = await phone();
    await caller.dial(`${NUMBER}@127.0.0.1:${doomed.sipPort}`, '+31612000555');
    let live: Row | undefined;
    await eventually(async () => (live = (await rows()).find((r) => r.status === 'in-progress' && r.ended_at === null)) !== undefined, 5_000, 'the call on the doomed node');
    await doomed.kill('SIGKILL');
    await eventually(async () => (await rows()).find((r) => r.id === live!.id)?.ended_at !== null, 45_000, 'the survivor to finalise the call');
    expect((await rows()).find((r) => r.id === live!.id)).toMatchObject({ status: 'ended-with-error', end_reason: 'node-failure' });
    // Any live node may be the one that does it (the first test's node is alive too).
    expect(engines.filter((e) => e !== doomed).some((e) => e.logs.some((l) => l.msg === 'calls of a stopped node finalised'))).toBe(true);
  }, 90_000);

  it("a webhook the engine was sending when it died goes out again, and the call's later events follow it within 25 s", async () => {
    for (const e of engines) await e.stop(); // the engine below is the only worker
    const node = engine();
    await node.start();
    const caller = await phone();
    const before = receiver.requests.length;
    receiver.holdNext(8_000); // the call's first event is still in flight when the engine dies
    await caller.dial(`${NUMBER}@127.0.0.1:${node.sipPort}`, '+31612000666');
    let callId = '';
    await eventually(async () => (callId = (await rows()).find((r) => r.ended_at === null)?.id ?? '') !== '', 5_000, 'the call row');
    await eventually(() => receiver.requests.length > before, 5_000, "the call's first event");
    const held = receiver.requests[before];
    expect(JSON.stringify(held.json)).toContain(callId);
    expect((await node.kill('SIGKILL')).signal).toBe('SIGKILL');
    const killedAt = performance.now();

    await node.start(); // finalises the call at once; its events wait behind the one in flight
    const ofCall = () => receiver.requests.slice(before).filter((r) => JSON.stringify(r.json).includes(callId));
    await eventually(() => ofCall().some((r) => r.event === 'end-of-call-report'), 60_000, 'the report');
    // The job the dead engine held was found stalled when its lock expired (10 s), not 30–60 s later.
    expect(ofCall().find((r) => r.event === 'end-of-call-report')!.receivedAtMono - killedAt).toBeLessThan(25_000);
    const ids = ofCall().map((r) => r.headers['x-webhook-id']);
    expect(ids.filter((id) => id === held.headers['x-webhook-id'])).toHaveLength(2); // sent again, same id
    const final = ofCall().filter((r) => r.event === 'status-update').at(-1)!;
    expect((final.json as { message: { status: string } }).message.status).toBe('ended-with-error');
    expect(ids.lastIndexOf(held.headers['x-webhook-id'])).toBeLessThan(ids.indexOf(final.headers['x-webhook-id'])); // still in order
  }, 90_000);
});
