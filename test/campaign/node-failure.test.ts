/**
 * A node that dies mid-attempt does not leave its leads `calling` forever: node B (a real
 * `voxgate start`) is on two answered campaign calls when it is SIGKILLed; node A, the survivor,
 * finalises B's calls once B's heartbeat has expired, and A's dialer resolves both attempts from
 * the call rows (answered: the leads complete). SIPp's log shows no lead was dialed again.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganization } from '../../src/api/admin/service.js';
import { eventually } from '../call/helpers.js';
import { FakeRealtimeServer } from '../fakes/realtime-server.js';
import { ChildEngine } from '../hardening/child-engine.js';
import { createTestDatabase, testRedisPrefix, TEST_REDIS_URL, type TestDatabase } from '../helpers/index.js';
import { answerScenario, SippCallee } from './callee.js';

const KEY = 'test-key';

describe('a node dies in the middle of campaign calls', () => {
  let database: TestDatabase;
  let realtime: FakeRealtimeServer;
  let callee: SippCallee;
  let apiKey: string;
  const engines: ChildEngine[] = [];
  const prefix = testRedisPrefix();

  function engine(): ChildEngine {
    const child = new ChildEngine({
      dataDir: mkdtempSync(join(tmpdir(), 'voxgate-dialer-crash-')),
      env: {
        DATABASE_URL: database.url,
        REDIS_URL: TEST_REDIS_URL,
        VOXGATE_REDIS_PREFIX: prefix,
        XAI_BASE_URL: realtime.baseUrl,
        XAI_API_KEY: KEY,
        CAMPAIGN_INBOUND_RESERVE: '0',
        CAMPAIGN_DIALER_TICK_MS: '200',
        DRAIN_TIMEOUT_SECONDS: '2',
      },
    });
    engines.push(child);
    return child;
  }

  const api = (child: ChildEngine, method: string, path: string, body?: unknown) => child.api(apiKey, method, path, body);

  const leadRows = async () => (await database.db.query<{ status: string; attempts: number; last_result: string | null }>('SELECT status, attempts, last_result FROM leads ORDER BY seq')).rows;

  beforeAll(async () => {
    database = await createTestDatabase();
    realtime = await FakeRealtimeServer.start({ apiKey: KEY });
    apiKey = (await createOrganization(database.db, { name: 'Dialer crash org', minutes_balance: null })).api_key;
    callee = await SippCallee.start(await answerScenario(45_000), ['-rtp_echo']);
  });
  afterAll(async () => {
    for (const e of engines) await e.stop();
    await callee?.stop();
    await realtime?.close();
    await database?.drop();
  });

  it('the survivor resolves the dead node’s attempts from the call rows; nobody is dialed twice', async () => {
    const b = engine();
    await b.start();
    const { agent } = (await api(b, 'POST', 'agents', { name: 'Caller', llm_config: { provider: 'xai_realtime', voice: 'ara' } })) as { agent: { id: string } };
    await api(b, 'POST', 'numbers', { phone_number: '+31850000100', agent_id: agent.id });
    await api(b, 'POST', 'sip-trunks', { name: 'Carrier', host: '127.0.0.1', port: callee.port, is_default_outbound: true, calls_per_second: 10 });
    await api(b, 'POST', 'campaigns', {
      name: 'Crash',
      agent_id: agent.id,
      status: 'scheduled',
      schedule_start_time: '00:00:00',
      schedule_end_time: '23:59:59',
      timezone: 'UTC',
      max_concurrent_calls: 2,
      leads: [{ phone_number: '+31613100001' }, { phone_number: '+31613100002' }],
    });
    await eventually(
      async () => (await database.db.query("SELECT 1 FROM calls WHERE status = 'in-progress'")).rowCount === 2,
      20_000,
      'both calls in progress on node B',
    );
    const a = engine();
    await a.start();
    expect((await b.kill('SIGKILL')).signal).toBe('SIGKILL');
    expect((await leadRows()).map((l) => l.status)).toEqual(['calling', 'calling']);

    await eventually(async () => (await leadRows()).every((l) => l.status !== 'calling'), 45_000, 'the survivor to resolve both attempts');
    expect(await leadRows()).toEqual([
      { status: 'completed', attempts: 1, last_result: 'completed' },
      { status: 'completed', attempts: 1, last_result: 'completed' },
    ]);
    const calls = await database.db.query<{ end_reason: string }>('SELECT end_reason FROM calls');
    expect(calls.rows.map((c) => c.end_reason)).toEqual(['node-failure', 'node-failure']);
    await eventually(async () => (await database.db.query("SELECT 1 FROM campaigns WHERE status = 'completed'")).rowCount === 1, 5_000, 'the campaign to complete');
    const stats = await callee.stats();
    expect(stats.invites).toHaveLength(2);
  }, 60_000);
});
