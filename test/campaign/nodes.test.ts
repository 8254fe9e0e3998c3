/**
 * Two engine processes (`voxgate start`, dialer from the sip role) on one PostgreSQL and Redis
 * dial one campaign of 200 leads, two attempts each (busy, retried at once). SIPp is the trunk
 * and logs every INVITE: each number must get exactly two distinct INVITEs (Call-IDs) — never a
 * double dial of one attempt — and both nodes must have dialed. The trunk's calls_per_second
 * holds across both nodes (read from SIPp's INVITE times, generous bound).
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
import { rejectScenario } from '../interop/sipp-runner.js';
import { SippCallee } from './callee.js';

const KEY = 'test-key';
const LEADS = 200;
const CPS = 40;

describe('two engine processes dial one campaign', () => {
  let database: TestDatabase;
  let realtime: FakeRealtimeServer;
  let callee: SippCallee;
  let apiKey: string;
  const engines: ChildEngine[] = [];
  const prefix = testRedisPrefix();

  function engine(): ChildEngine {
    const child = new ChildEngine({
      dataDir: mkdtempSync(join(tmpdir(), 'voxgate-dialer-')),
      env: {
        DATABASE_URL: database.url,
        REDIS_URL: TEST_REDIS_URL,
        VOXGATE_REDIS_PREFIX: prefix,
        XAI_BASE_URL: realtime.baseUrl,
        XAI_API_KEY: KEY,
        ORG_MAX_CONCURRENT_CALLS: '100',
        CAMPAIGN_INBOUND_RESERVE: '0',
        CAMPAIGN_DIALER_TICK_MS: '100',
        RATE_LIMIT_PER_MINUTE: '100000',
        DRAIN_TIMEOUT_SECONDS: '2',
      },
    });
    engines.push(child);
    return child;
  }

  const api = (child: ChildEngine, method: string, path: string, body?: unknown) => child.api(apiKey, method, path, body);

  beforeAll(async () => {
    database = await createTestDatabase();
    realtime = await FakeRealtimeServer.start({ apiKey: KEY });
    apiKey = (await createOrganization(database.db, { name: 'Dialer nodes org', minutes_balance: null })).api_key;
    callee = await SippCallee.start(await rejectScenario(486, 'Busy Here'));
    await Promise.all([engine().start(), engine().start()]);
  }, 60_000);
  afterAll(async () => {
    for (const e of engines) await e.stop();
    await callee?.stop();
    await realtime?.close();
    await database?.drop();
  });

  it(`${LEADS} leads × 2 attempts: every attempt dialed exactly once across both nodes`, async () => {
    const [a, b] = engines;
    const { agent } = (await api(a, 'POST', 'agents', { name: 'Caller', llm_config: { provider: 'xai_realtime', voice: 'ara' } })) as { agent: { id: string } };
    await api(a, 'POST', 'numbers', { phone_number: '+31850000100', agent_id: agent.id });
    await api(b, 'POST', 'sip-trunks', { name: 'Carrier', host: '127.0.0.1', port: callee.port, is_default_outbound: true, calls_per_second: CPS });
    const leads = Array.from({ length: LEADS }, (_, i) => ({ phone_number: `+3161300${String(i).padStart(4, '0')}` }));
    const { campaign } = (await api(a, 'POST', 'campaigns', {
      name: 'Two nodes',
      agent_id: agent.id,
      status: 'scheduled',
      schedule_start_time: '00:00:00',
      schedule_end_time: '23:59:59',
      timezone: 'UTC',
      max_concurrent_calls: 30,
      max_attempts: 2,
      retry_delay_minutes: 0,
      leads,
    })) as { campaign: { id: string } };

    await eventually(
      async () => ((await api(b, 'GET', `campaigns/${campaign.id}`)) as { campaign: { status: string } }).campaign.status === 'completed',
      45_000,
      'the campaign to complete',
    );

    const stats = await callee.stats();
    const counts = leads.map((l) => stats.invitesByNumber.get(l.phone_number)?.size ?? 0);
    const odd = leads.filter((_, i) => counts[i] !== 2).map((l) => l.phone_number);
    if (odd.length > 0) {
      const detail = await database.db.query(
        `SELECT c.caller_phone, c.status, c.end_reason, c.node_id, c.metadata->>'lead_attempt' AS attempt, c.created_at, l.attempts, l.last_result, l.status AS lead_status, l.claimed_by
           FROM calls c JOIN leads l ON l.id = c.lead_id WHERE c.caller_phone = ANY($1) ORDER BY c.caller_phone, c.created_at`,
        [odd.slice(0, 3)],
      );
      throw new Error(`${odd.length} leads not dialed exactly twice: ${JSON.stringify(detail.rows)}`);
    }
    expect(stats.invites).toHaveLength(2 * LEADS);
    expect(stats.maxConcurrent).toBeLessThanOrEqual(30);

    const byNode = await database.db.query<{ node_id: string; n: number }>('SELECT node_id, count(*)::int AS n FROM calls GROUP BY node_id');
    expect(byNode.rows).toHaveLength(2);
    for (const row of byNode.rows) expect(row.n).toBeGreaterThan(0);
    const final = (await api(a, 'GET', `campaigns/${campaign.id}`)) as { campaign: Record<string, number> };
    expect(final.campaign).toMatchObject({ total_leads: LEADS, failed_leads: LEADS, calling_leads: 0, pending_leads: 0 });
    const attempts = await database.db.query<{ attempts: number; last_result: string }>('SELECT DISTINCT attempts, last_result FROM leads');
    expect(attempts.rows).toEqual([{ attempts: 2, last_result: 'busy' }]);

    // calls_per_second holds across the two nodes: no one-second span holds more than CPS INVITEs
    // (SIPp's receive times; +10% for timestamp granularity on a loaded machine).
    const times = stats.invites.map((i) => i.at).sort((x, y) => x - y);
    let worst = 0;
    for (let i = 0, j = 0; i < times.length; i++) {
      while (times[i] - times[j] >= 1000) j++;
      worst = Math.max(worst, i - j + 1);
    }
    expect(worst).toBeLessThanOrEqual(Math.ceil(CPS * 1.1));
  }, 60_000);
});
