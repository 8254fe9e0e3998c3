/**
 * Several nodes behind Kamailio (issue #15, DESIGN §6): the shipped docker/kamailio/kamailio.cfg
 * in front of two engine processes on their own loopback addresses (127.0.0.2 and 127.0.0.3,
 * sharing PostgreSQL and Redis). Calls through Kamailio land on both nodes; a control command
 * sent to node B's API acts on a call node A owns; a draining node answers OPTIONS 503; when
 * node A is killed, new calls reach node B within seconds and node A's calls are finalised and
 * reported by the survivor.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganization } from '../../src/api/admin/service.js';
import { UserAgent } from '../../sip/index.js';
import { isVoiced } from '../fakes/audio.js';
import { FakeRealtimeServer } from '../fakes/realtime-server.js';
import { FakeWebhookReceiver } from '../fakes/webhook-receiver.js';
import { createTestDatabase, createTestRedis, testRedisPrefix, TEST_REDIS_URL, type TestDatabase } from '../helpers/index.js';
import { eventually } from '../events/fixtures.js';
import { TestPhone } from '../call/phone.js';
import { ChildEngine } from '../hardening/child-engine.js';
import { freePort } from '../helpers/ports.js';
import { Kamailio } from './kamailio.js';

const KEY = 'test-key';
const SECRET = 'whsec_multi_node';
const NUMBER = '+31850015000';
const CALLS = 40;
const BATCH = 10;

interface Row {
  id: string;
  node_id: string;
  sip_call_id: string;
  status: string;
  end_reason: string | null;
  ended_at: Date | null;
}

describe('two nodes behind Kamailio', () => {
  let database: TestDatabase;
  let realtime: FakeRealtimeServer;
  let receiver: FakeWebhookReceiver;
  let kamailio: Kamailio;
  let apiKey: string;
  const nodes: Record<'a' | 'b', ChildEngine> = {} as Record<'a' | 'b', ChildEngine>;
  const phones: TestPhone[] = [];
  const prefix = testRedisPrefix();

  function engine(name: 'a' | 'b', host: string, sipPort: number, rtpMin: number): ChildEngine {
    return new ChildEngine({
      dataDir: mkdtempSync(join(tmpdir(), `voxgate-node-${name}-`)),
      sipPort,
      env: {
        DATABASE_URL: database.url,
        REDIS_URL: TEST_REDIS_URL,
        VOXGATE_REDIS_PREFIX: prefix,
        VOXGATE_NODE_ID: `node-${name}-${prefix.slice(7, 13)}`,
        SIP_HOST: host,
        SIP_PUBLIC_IP: host,
        RTP_PORT_MIN: String(rtpMin),
        RTP_PORT_MAX: String(rtpMin + 198),
        XAI_BASE_URL: realtime.baseUrl,
        XAI_API_KEY: KEY,
        ORG_MAX_CONCURRENT_CALLS: '100',
        DRAIN_TIMEOUT_SECONDS: '2',
      },
    });
  }

  async function api(node: ChildEngine, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    const res = await fetch(`${node.apiUrl}/api/v1/${path}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }

  async function phone(): Promise<TestPhone> {
    const p = await TestPhone.start('127.0.0.1');
    phones.push(p);
    return p;
  }

  /** Dials the number through Kamailio; resolves with the call's row once the engine wrote it. */
  async function call(from: string): Promise<{ phone: TestPhone; row: Row }> {
    const p = await phone();
    const dialog = await p.dial(`${NUMBER}@${kamailio.host}:${kamailio.port}`, from);
    let row: Row | undefined;
    await eventually(async () => (row = (await rows()).find((r) => r.sip_call_id === dialog.callId)) !== undefined, 10_000, 'the call row');
    return { phone: p, row: row! };
  }

  /** The node registry in Redis (src/telephony/directory.ts). */
  async function registry(): Promise<Record<string, { sipAddress: string; host: string; rtpPorts: string; draining: boolean; calls: number }>> {
    const redis = createTestRedis();
    try {
      const keys = await redis.keys(`${prefix}nodes:*`);
      const values = keys.length ? await redis.mget(...keys) : [];
      return Object.fromEntries(values.filter((v): v is string => v !== null).map((v) => JSON.parse(v)).map((n) => [String(n.id).slice(0, 6), n]));
    } finally {
      redis.disconnect();
    }
  }

  async function rows(): Promise<Row[]> {
    return (await database.db.query<Row>(`SELECT id, node_id, sip_call_id, status, end_reason, ended_at FROM calls ORDER BY created_at`)).rows;
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    realtime = await FakeRealtimeServer.start({ apiKey: KEY, responseAudioMs: 600 });
    receiver = await FakeWebhookReceiver.start({ secret: SECRET });
    apiKey = (await createOrganization(database.db, { name: 'Multi-node org', minutes_balance: null })).api_key;
    const rtpBase = 30_000 + 2 * Math.floor(Math.random() * 8_000);
    const [sipA, sipB, sipK] = [await freePort(), await freePort(), await freePort()];
    nodes.a = engine('a', '127.0.0.2', sipA, rtpBase);
    nodes.b = engine('b', '127.0.0.3', sipB, rtpBase + 200);
    await Promise.all([nodes.a.start(), nodes.b.start()]);
    kamailio = await Kamailio.start({ host: '127.0.0.1', port: sipK, nodes: [`127.0.0.2:${sipA}`, `127.0.0.3:${sipB}`] });
    const { json } = await api(nodes.a, 'POST', 'agents', {
      name: 'Front desk',
      first_message: 'Hello, how can I help?',
      llm_config: { provider: 'xai_realtime', voice: 'ara' },
      webhook_url: receiver.urlFor('/hooks'),
      webhook_secret: SECRET,
    });
    await api(nodes.a, 'POST', 'numbers', { phone_number: NUMBER, agent_id: (json.agent as { id: string }).id });
  }, 120_000);

  afterAll(async () => {
    for (const p of phones) await p.close().catch(() => undefined);
    if (process.env.KAMAILIO_LOG) console.log(kamailio?.output.slice(-60).join("\n"));
    await kamailio?.stop();
    for (const n of Object.values(nodes)) await n.stop();
    await receiver?.close();
    await realtime?.close();
    await database?.drop();
  });

  it(`${CALLS} calls through Kamailio land on both nodes; each node advertises its own address`, async () => {
    // Each node registered itself with its own addresses.
    const nodesNow = await registry();
    expect(nodesNow['node-a']).toMatchObject({ host: '127.0.0.2', sipAddress: `127.0.0.2:${nodes.a.sipPort}`, draining: false });
    expect(nodesNow['node-b']).toMatchObject({ host: '127.0.0.3', sipAddress: `127.0.0.3:${nodes.b.sipPort}`, draining: false });
    expect(nodesNow['node-a'].rtpPorts).not.toBe(nodesNow['node-b'].rtpPorts);
    const landed: Row[] = [];
    for (let start = 0; start < CALLS; start += BATCH) {
      const batch = await Promise.all(Array.from({ length: BATCH }, (_, i) => call(`+3161200${String(start + i).padStart(4, '0')}`)));
      for (const { phone: p, row } of batch) {
        landed.push(row);
        // The owning node's own address in Contact and SDP (media does not pass Kamailio);
        // in-dialog requests go through Kamailio, which record-routed the INVITE.
        const host = row.node_id.startsWith('node-a') ? '127.0.0.2' : '127.0.0.3';
        const dialog = p.dialog!;
        expect(dialog.state.remoteTarget.host).toBe(host);
        expect(dialog.remoteSdp).toMatch(new RegExp(`^c=IN IP4 ${host.replace(/\./g, '\\.')}\r?$`, 'm'));
        expect(dialog.state.routeSet.map((r) => `${r.uri.host}:${r.uri.port}`)).toEqual([`${kamailio.host}:${kamailio.port}`]);
        await eventually(() => p.heard.some((h) => isVoiced(h.payload)), 8_000, 'the greeting');
      }
      await Promise.all(batch.map(({ phone: p }) => p.hangup()));
      await eventually(async () => (await rows()).filter((r) => r.ended_at === null).length === 0, 15_000, 'the batch to end');
    }
    const byNode = new Map<string, number>();
    for (const row of landed) byNode.set(row.node_id.slice(0, 6), (byNode.get(row.node_id.slice(0, 6)) ?? 0) + 1);
    console.log(`multi-node: ${CALLS} calls through Kamailio → ${[...byNode].map(([n, c]) => `${n} ${c}`).join(', ')}`);
    // Round-robin over two healthy nodes: about half each.
    expect(byNode.get('node-a')).toBeGreaterThanOrEqual(CALLS / 4);
    expect(byNode.get('node-b')).toBeGreaterThanOrEqual(CALLS / 4);
    expect((await rows()).filter((r) => r.status === 'ended')).toHaveLength(CALLS);
  }, 240_000);

  /** Dials until a call lands on `node`; the calls that landed elsewhere are hung up. */
  async function callOn(name: 'a' | 'b', from: string): Promise<{ phone: TestPhone; row: Row }> {
    for (let attempt = 0; attempt < 6; attempt++) {
      const placed = await call(from);
      if (placed.row.node_id.startsWith(`node-${name}`)) return placed;
      await placed.phone.hangup();
    }
    throw new Error(`no call landed on node ${name}`);
  }

  it("node B's API lists node A's live call, and a control command sent to it acts on that call", async () => {
    const { phone: p, row } = await callOn('a', '+31612001001');
    await eventually(() => p.heard.filter((h) => isVoiced(h.payload)).length >= 10, 8_000, 'the greeting');
    // The live-call list is the same from either node.
    // (A call that landed on B first and was hung up may still be ending.)
    for (const node of [nodes.a, nodes.b]) {
      const live = async () => ((await api(node, 'GET', 'calls?status=in-progress')).json.calls as Array<{ id: string }>).map((c) => c.id);
      await eventually(async () => JSON.stringify(await live()) === JSON.stringify([row.id]), 5_000, 'the live list to hold the one call');
    }
    const beforeSay = performance.now();
    expect(await api(nodes.b, 'POST', `calls/${row.id}/control`, { type: 'say', content: 'Relayed by node B.' })).toEqual({
      status: 200,
      json: { success: true, message: 'Command sent successfully' },
    });
    await realtime.waitFor('response.create', { predicate: (e) => JSON.stringify(e.event).includes('Relayed by node B'), timeoutMs: 5_000 });
    await eventually(() => p.heardSince(beforeSay).filter((h) => isVoiced(h.payload)).length >= 10, 8_000, 'the spoken line');
    expect((await api(nodes.b, 'POST', `calls/${row.id}/control`, { type: 'end-call' })).status).toBe(200);
    await eventually(() => p.dialog?.isTerminated === true, 10_000, 'the BYE from node A');
    await eventually(async () => (await rows()).find((r) => r.id === row.id)?.end_reason === 'agent-hangup', 10_000, 'the call to end');
  }, 60_000);

  it('node A killed: new calls reach node B within 5 s; node B finalises and reports node A\'s calls', async () => {
    const orphans = [await callOn('a', '+31612002001'), await callOn('a', '+31612002002')];
    await eventually(async () => (await rows()).filter((r) => orphans.some((o) => o.row.id === r.id) && r.status === 'in-progress').length === 2, 8_000, 'both calls on A in progress');
    expect((await nodes.a.kill('SIGKILL')).signal).toBe('SIGKILL');
    const killedAt = performance.now();
    const answeredAfterKill: number[] = [];
    for (let i = 0; i < 4; i++) {
      const placedAt = performance.now();
      const { phone: p, row } = await call(`+3161200300${i}`);
      answeredAfterKill.push(performance.now() - killedAt);
      expect(row.node_id).toMatch(/^node-b/);
      // Generous for a loaded machine: a call that picked the dead node waits out one fail-over timer (1 s).
      expect(performance.now() - placedAt).toBeLessThan(5_000);
      await p.hangup();
    }
    expect(answeredAfterKill[0]).toBeLessThan(5_000);

    // The survivor's sweep (a node silent for 15 s is dead) finalises the orphans and reports them.
    await eventually(async () => (await rows()).filter((r) => orphans.some((o) => o.row.id === r.id) && r.ended_at !== null).length === 2, 45_000, "node A's calls to be finalised");
    for (const { row } of orphans) {
      expect((await rows()).find((r) => r.id === row.id)).toMatchObject({ status: 'ended-with-error', end_reason: 'node-failure' });
      await eventually(() => receiver.requests.some((r) => r.event === 'end-of-call-report' && JSON.stringify(r.json).includes(row.id)), 30_000, 'the report');
    }
    expect(nodes.b.logs.some((l) => l.msg === 'calls of a stopped node finalised')).toBe(true);
    console.log(`multi-node: calls after the kill answered by node B at ${answeredAfterKill.map((ms) => Math.round(ms)).join(", ")} ms`);
  }, 120_000);

  it('a draining node answers OPTIONS 503 and Kamailio sends new calls to the other; a node that comes back is used again', async () => {
    await nodes.a.start(); // back, same node id and ports
    const ua = new UserAgent({ transports: [{ protocol: 'udp', host: '127.0.0.1', port: 0 }], publicAddress: '127.0.0.1' });
    await ua.listen();
    try {
      // Once Kamailio's probe saw it answer, calls land on A again.
      await eventually(async () => {
        const placed = await call('+31612004000');
        await placed.phone.hangup();
        return placed.row.node_id.startsWith('node-a');
      }, 20_000, 'a call to land on the restarted node A');

      const { phone: kept } = await callOn('b', '+31612004001');
      nodes.b.kill('SIGTERM').catch(() => undefined); // drains: waits for the live call
      await nodes.b.waitForLog((l) => l.msg === 'draining: waiting for live calls to end');
      const options = await ua.request(`sip:127.0.0.3:${nodes.b.sipPort}`, { method: 'OPTIONS' });
      expect(options.status).toBe(503);
      await eventually(async () => (await registry())['node-b']?.draining === true, 5_000, 'node B registered as draining');
      // Probing takes B out within a ping interval; every new call meanwhile lands on A.
      await new Promise((r) => setTimeout(r, 2_500));
      for (let i = 0; i < 4; i++) {
        const placed = await call(`+3161200410${i}`);
        expect(placed.row.node_id).toMatch(/^node-a/);
        await placed.phone.hangup();
      }
      await kept.hangup();
      expect((await nodes.b.whenExited()).code).toBe(0);
    } finally {
      await ua.close();
    }
  }, 90_000);
});
