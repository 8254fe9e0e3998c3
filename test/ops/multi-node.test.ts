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
import { createTestDatabase, testRedisPrefix, TEST_REDIS_URL, type TestDatabase } from '../helpers/index.js';
import { eventually } from '../events/fixtures.js';
import { TestPhone } from '../call/phone.js';
import { ChildEngine } from '../hardening/child-engine.js';
import { freePort } from '../interop/sipp-runner.js';
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
    await kamailio?.stop();
    for (const n of Object.values(nodes)) await n.stop();
    await receiver?.close();
    await realtime?.close();
    await database?.drop();
  });

  it(`${CALLS} calls through Kamailio land on both nodes; each node advertises its own address`, async () => {
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
    // Round-robin over two healthy nodes: about half each.
    expect(byNode.get('node-a')).toBeGreaterThanOrEqual(CALLS / 4);
    expect(byNode.get('node-b')).toBeGreaterThanOrEqual(CALLS / 4);
    expect((await rows()).filter((r) => r.status === 'ended')).toHaveLength(CALLS);
  }, 240_000);
});
