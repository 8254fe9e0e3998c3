/**
 * Stopping an engine (issue #8, defects 6–8): SIGTERM drains — new calls get 503 while the API
 * keeps answering and /health says it drains — and the final reports of the drained calls are
 * delivered before the process exits; Ctrl-C to the whole process group with the embedded
 * PostgreSQL still writes the live call's record; a port in use says which one and why.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganization } from '../../src/api/admin/service.js';
import { isSipError } from '../../sip/index.js';
import { isVoiced } from '../fakes/audio.js';
import { FakeRealtimeServer } from '../fakes/realtime-server.js';
import { FakeWebhookReceiver } from '../fakes/webhook-receiver.js';
import { createTestDatabase, TEST_ADMIN_KEY, testRedisPrefix, TEST_REDIS_URL, type TestDatabase } from '../helpers/index.js';
import { eventually } from '../events/fixtures.js';
import { TestPhone } from '../call/phone.js';
import { ChildEngine } from './child-engine.js';

const KEY = 'test-key';
const SECRET = 'whsec_stop_test';

describe('stopping an engine', () => {
  let database: TestDatabase;
  let realtime: FakeRealtimeServer;
  let receiver: FakeWebhookReceiver;
  const engines: ChildEngine[] = [];
  const phones: TestPhone[] = [];

  function engine(env: Record<string, string>, options: { detached?: boolean; dataDir?: string } = {}): ChildEngine {
    const child = new ChildEngine({
      dataDir: options.dataDir ?? mkdtempSync(join(tmpdir(), 'voxgate-stop-')),
      detached: options.detached,
      env: { REDIS_URL: TEST_REDIS_URL, VOXGATE_REDIS_PREFIX: testRedisPrefix(), XAI_BASE_URL: realtime.baseUrl, XAI_API_KEY: KEY, ...env },
    });
    engines.push(child);
    return child;
  }

  async function phone(): Promise<TestPhone> {
    const p = await TestPhone.start();
    phones.push(p);
    return p;
  }

  async function api(child: ChildEngine, key: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    const res = await fetch(`${child.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }

  /** An agent on the fake realtime provider with a number, through the engine's API. */
  async function agentWithNumber(child: ChildEngine, key: string, number: string): Promise<void> {
    const agent = await api(child, key, 'POST', '/api/v1/agents', {
      name: 'Desk',
      first_message: 'Hello, how can I help?',
      llm_config: { provider: 'xai_realtime', voice: 'ara' },
      webhook_url: receiver.urlFor('/hooks'),
      webhook_secret: SECRET,
    });
    expect(agent.status).toBe(201);
    const created = await api(child, key, 'POST', '/api/v1/numbers', { phone_number: number, agent_id: (agent.json.agent as { id: string }).id });
    expect(created.status).toBe(201);
  }

  async function liveCall(child: ChildEngine, number: string): Promise<TestPhone> {
    const caller = await phone();
    await caller.dial(`${number}@127.0.0.1:${child.sipPort}`, '+31612000777');
    await eventually(() => caller.heard.some((h) => isVoiced(h.payload)), 8_000, 'the greeting');
    return caller;
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    realtime = await FakeRealtimeServer.start({ apiKey: KEY, responseAudioMs: 800 });
    receiver = await FakeWebhookReceiver.start({ secret: SECRET });
  });
  afterAll(async () => {
    for (const p of phones) await p.close().catch(() => undefined);
    for (const e of engines) await e.stop();
    await receiver?.close();
    await realtime?.close();
    await database?.drop();
  });

  it('SIGTERM drains: 503 to new calls, the API and /health answer, the live call goes on, its reports are delivered before exit', async () => {
    const node = engine({ DATABASE_URL: database.url, DRAIN_TIMEOUT_SECONDS: '60' });
    await node.start();
    const key = (await createOrganization(database.db, { name: 'Stop org', minutes_balance: null })).api_key;
    await agentWithNumber(node, key, '+31850007001');
    const caller = await liveCall(node, '+31850007001');

    void node.kill('SIGTERM'); // resolves at exit; the test goes on while the node drains
    await node.waitForLog((l) => l.msg === 'draining: waiting for live calls to end');
    const late = await phone();
    const refused = await late.dial(`+31850007001@127.0.0.1:${node.sipPort}`, '+31612000778').then(
      () => 200,
      (err: unknown) => (isSipError(err) ? err.status : -1),
    );
    expect(refused).toBe(503);
    expect(await api(node, key, 'GET', '/health')).toEqual({ status: 503, json: { status: 'draining', live_calls: 1, down: [] } });
    expect((await api(node, key, 'GET', '/api/v1/organization')).status).toBe(200);
    const { rows } = await database.db.query<{ id: string; status: string }>(`SELECT id, status FROM calls`);
    expect(rows).toEqual([{ id: expect.any(String), status: 'in-progress' }]);

    await caller.hangup();
    const exit = await node.whenExited();
    expect(exit.code).toBe(0);
    const events = receiver.requests.filter((r) => JSON.stringify(r.json).includes(rows[0].id)).map((r) => r.event);
    expect(events).toEqual(['status-update', 'status-update', 'end-of-call-report']);
  }, 90_000);

  it('Ctrl-C to the process group with the embedded PostgreSQL: the live call is finalised before the database stops', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'voxgate-ctrlc-'));
    const node = engine({ DRAIN_TIMEOUT_SECONDS: '1' }, { detached: true, dataDir });
    await node.start();
    const created = await api(node, TEST_ADMIN_KEY, 'POST', '/api/v1/admin/organizations', { name: 'Embedded org' });
    const key = created.json.api_key as string;
    await agentWithNumber(node, key, '+31850007002');
    await liveCall(node, '+31850007002');

    node.signalGroup('SIGINT');
    expect((await node.whenExited()).code).toBe(0);

    // The same engine again (same data directory, so the same embedded database): the call is final.
    const again = engine({}, { dataDir });
    await again.start();
    const calls = (await api(again, key, 'GET', '/api/v1/calls')).json.calls as Array<Record<string, unknown>>;
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ status: 'ended', end_reason: 'agent-hangup', error: 'the node was shut down' });
    expect(again.logs.some((l) => l.msg === 'finalised the calls a previous run of this node left open')).toBe(false);
    await again.kill('SIGTERM');
  }, 120_000);

  it('a port in use stops the start with a message that names it and the likely cause', async () => {
    const first = engine({ DATABASE_URL: database.url });
    await first.start();
    const second = engine({ DATABASE_URL: database.url }, {});
    Object.assign(second, { sipPort: first.sipPort });
    await expect(second.start()).rejects.toThrow(/SIP port \d+ is already in use: another voxgate engine/);
    await first.kill('SIGTERM');
  }, 60_000);
});
